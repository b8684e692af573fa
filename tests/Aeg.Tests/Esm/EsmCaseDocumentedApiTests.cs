using System.Text.Json;
using Aeg.Configuration;
using Aeg.Daemon;
using Aeg.Esm.Cases;
using Aeg.Tests.Rules;

namespace Aeg.Tests.Esm;

/// <summary>
/// ESM cases into tickets and back, against <see cref="EsmServiceLayerDocumentedApiServer"/> (the Service Layer written from
/// its public documentation: CaseService findAllIds / getResourceById / getCaseEventIDs / update in the JSON form of the
/// demisto ArcSightESMv2 README and the OpenCTI arcsight connectors; no ESM can run here) and an in-process webhook receiver.
/// </summary>
public sealed class EsmCaseDocumentedApiTests : IAsyncLifetime
{
    private readonly RuleTestFiles _files = new();
    private readonly string _variable = "AEG_TEST_ESM_PW_" + Guid.NewGuid().ToString("N")[..8];
    private readonly CaseTicketReceiver _receiver = new();
    private readonly LogCapture _log = new();
    private EsmServiceLayerDocumentedApiServer _esm = null!;
    private InProcessHttpServer _hook = null!;
    private static readonly long T0 = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds();

    public async Task InitializeAsync()
    {
        _esm = await EsmServiceLayerDocumentedApiServer.StartAsync();
        _hook = await InProcessHttpServer.StartAsync(_receiver.Handle);
        Environment.SetEnvironmentVariable(_variable, _esm.Password);
        _files.Write("rules.yaml", EsmCaseConfig.Rule("hook"));
    }

    public async Task DisposeAsync()
    {
        await _esm.DisposeAsync();
        await _hook.DisposeAsync();
        Environment.SetEnvironmentVariable(_variable, null);
        _files.Dispose();
        _log.Dispose();
    }

    private string Config(string cases = "pollInterval: 1d") => _files.Write("aeg.yaml",
        EsmCaseConfig.Yaml(_files.Directory, _esm, _variable, cases, $$"""      hook: { type: webhook, url: "{{_hook.BaseUrl}}", auth: none, retry: { maxAttempts: 3, baseDelay: 5ms, maxDelay: 50ms } }"""));

    private int Creates => _receiver.Read(r => r.CreatesPerCase.Values.Sum());
    private int Updates => _receiver.Read(r => r.UpdatesPerCase.Values.Sum());

    [Fact]
    public async Task CaseService_findAllIds_getResourceById_getCaseEventIDs_make_one_ticket_per_case_and_a_changed_case_updates_its_ticket()
    {
        _esm.AddCase(EsmTestKit.Case("case-A", T0 + 10, "Brute force on vpn", eventIds: [11, 12]));
        _esm.AddCase(EsmTestKit.Case("case-B", T0 + 20, "Beaconing host", stage: "INITIAL", eventIds: [21]));
        _esm.AddCase(EsmTestKit.Case("case-C", T0 + 20, "No events yet"));
        var config = Config();
        var pipeline = await EsmCaseConfig.StartAsync(config, _log.Logger, () => _log.Text);
        try
        {
            await WaitUntil.HoldsAsync(() => Creates == 3, "three tickets", TimeSpan.FromSeconds(30), () => _log.Text);
            var a = _receiver.Read(r => r.LastFields["case-A"]);
            Assert.Equal("Case 10017: Brute force on vpn", a.GetProperty("subject").GetString());
            Assert.Equal("11,12", a.GetProperty("events").GetString());
            // One event comes back as the bare element (the XML mapping), none as nothing at all.
            Assert.Equal("21", _receiver.Read(r => r.LastFields["case-B"]).GetProperty("events").GetString());
            Assert.Equal("none", _receiver.Read(r => r.LastFields["case-C"]).GetProperty("events").GetString());
            Assert.Equal(new EsmCaseCursor(T0 + 20, "case-C"), pipeline.Cases!.Cursor);

            _esm.AddCase(EsmTestKit.Case("case-B", T0 + 5000, "Beaconing host", stage: "FOLLOW_UP", eventIds: [21, 22]));
            Assert.Equal(1, await pipeline.Cases.PollOnceAsync(CancellationToken.None));
            await WaitUntil.HoldsAsync(() => Updates == 1, "the update of case-B's ticket", TimeSpan.FromSeconds(30), () => _log.Text);
            var b = _receiver.Read(r => r.LastFields["case-B"]);
            Assert.Equal("Case now FOLLOW_UP: Beaconing host", b.GetProperty("comment").GetString());
            Assert.Equal("21,22", b.GetProperty("events").GetString());

            // Nothing changed: the look-back reads case-B again, and queues nothing.
            Assert.Equal(0, await pipeline.Cases.PollOnceAsync(CancellationToken.None));
            Assert.True(pipeline.Cases.Counters.CasesUnchanged >= 1);
        }
        finally
        {
            await pipeline.DisposeAsync();
        }
        var keys = _receiver.Read(r => new Dictionary<string, string>(r.IdempotencyKeys));

        // A restart neither loses nor repeats: the cursor file holds case-B's position; nothing is sent again.
        var requests = _hook.Requests.Count;
        var again = await EsmCaseConfig.StartAsync(config, _log.Logger, () => _log.Text);
        try
        {
            Assert.Equal(new EsmCaseCursor(T0 + 5000, "case-B"), again.Cases!.Cursor);
            Assert.Equal(0, again.Cases.Counters.CasesQueued);
            _esm.AddCase(EsmTestKit.Case("case-D", T0 + 6000, "After the restart"));
            Assert.Equal(1, await again.Cases.PollOnceAsync(CancellationToken.None));
            await WaitUntil.HoldsAsync(() => Creates == 4, "case-D's ticket", TimeSpan.FromSeconds(30), () => _log.Text);
        }
        finally
        {
            await again.DisposeAsync();
        }
        Assert.Equal(requests + 1, _hook.Requests.Count);
        Assert.All(_receiver.Read(r => r.CreatesPerCase.Values.ToList()), n => Assert.Equal(1, n));
        // The idempotency key of a case's ticket comes from the case id (and target) only.
        Assert.Equal(Aeg.Tickets.TicketIdempotency.Key("hook", "esm-case:case-A"), keys["case-A"]);
    }

    [Fact]
    public async Task A_case_edited_while_a_poll_reads_the_cases_is_not_lost_behind_a_later_edit_the_same_poll_saw()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        _esm.AddCase(EsmTestKit.Case("case-A", now - 10_000, "first"));
        _esm.AddCase(EsmTestKit.Case("case-B", now - 5_000, "second"));
        var pipeline = await EsmCaseConfig.StartAsync(Config("pollInterval: 1d, lookBack: 0s"), _log.Logger, () => _log.Text);
        try
        {
            await WaitUntil.HoldsAsync(() => Creates == 2, "two tickets", TimeSpan.FromSeconds(30), () => _log.Text);
            // findAllIds lists A, B; after the poll read A, analysts edit A and then B (wall-clock stamps, A's earlier).
            var edited = 0;
            long editedA = 0;
            _esm.BeforeCaseRead = id =>
            {
                if (id == "case-B" && Interlocked.Exchange(ref edited, 1) == 0)
                {
                    editedA = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 1000;
                    _esm.AddCase(EsmTestKit.Case("case-A", editedA, "first, edited during the poll"));
                    _esm.AddCase(EsmTestKit.Case("case-B", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 2000, "second, edited during the poll"));
                }
            };
            Assert.Equal(1, await pipeline.Cases!.PollOnceAsync(CancellationToken.None));   // B's edit; A was read before its edit
            Assert.True(pipeline.Cases.Cursor.ModifiedMs < editedA, $"the cursor {pipeline.Cases.Cursor} passed A's edit at {editedA}");
            Assert.Equal(1, await pipeline.Cases.PollOnceAsync(CancellationToken.None));     // A's edit
            await WaitUntil.HoldsAsync(() => Updates == 2, "both edits in their tickets", TimeSpan.FromSeconds(30), () => _log.Text);
            Assert.Equal("Case now QUEUED: first, edited during the poll", _receiver.Read(r => r.LastFields["case-A"]).GetProperty("comment").GetString());
        }
        finally
        {
            await pipeline.DisposeAsync();
        }
    }

    [Fact]
    public async Task CaseService_update_writes_the_ticket_reference_and_url_back_once_and_the_write_back_is_not_seen_as_a_case_change()
    {
        _esm.AddCase(EsmTestKit.Case("case-A", T0 + 10, "Brute force on vpn", eventIds: [11]));
        _esm.AddCase(EsmTestKit.Case("case-B", T0 + 20, "Beaconing host"));
        var pipeline = await EsmCaseConfig.StartAsync(Config("pollInterval: 1d, writeBack: true, urlField: description, url: \"https://tickets.example.com/t/{ticket}\""),
            _log.Logger, () => _log.Text);
        try
        {
            await WaitUntil.HoldsAsync(() => _esm.CaseUpdates.Count == 2, "two CaseService.update calls", TimeSpan.FromSeconds(30), () => _log.Text);
            var a = _esm.Case("case-A");
            var ticket = a["externalID"]!.GetValue<string>();
            Assert.Matches("^hook #T[12]$", ticket);
            Assert.Equal("https://tickets.example.com/t/" + ticket["hook #".Length..], a["description"]!.GetValue<string>());
            Assert.Equal("QUEUED", a["stage"]!.GetValue<string>());   // a webhook has no status to read: the stage stays

            // ESM stamped the write-back as a modification; the next poll sees no analyst change in it.
            Assert.Equal(0, await pipeline.Cases!.PollOnceAsync(CancellationToken.None));
            Assert.Equal(2, Creates);
            Assert.Equal(0, Updates);
            Assert.Equal(2, _esm.CaseUpdates.Count);
        }
        finally
        {
            await pipeline.DisposeAsync();
        }
    }

    [Fact]
    public async Task CaseService_update_refused_with_400_is_a_dead_letter_with_its_reason_and_no_secret()
    {
        _esm.AddCase(EsmTestKit.Case("case-A", T0 + 10, "Brute force on vpn"));
        _esm.InjectFor("CaseService/update", new EsmFault.ClientError(400));
        var pipeline = await EsmCaseConfig.StartAsync(Config("pollInterval: 1d, writeBack: true"), _log.Logger, () => _log.Text);
        List<Aeg.Tickets.DeadLetter> dead;
        try
        {
            await WaitUntil.HoldsAsync(() => pipeline.Tickets.Outbox.DeadLetters().Count == 1, "the write-back's dead letter", TimeSpan.FromSeconds(30), () => _log.Text);
            dead = pipeline.Tickets.Outbox.DeadLetters();
        }
        finally
        {
            await pipeline.DisposeAsync();
        }
        Assert.Equal(1, Creates);
        var letter = $"{dead[0].Operation} {dead[0].Error} {dead[0].RawEvent} {JsonSerializer.Serialize(dead[0].OnUpdate)}";
        Assert.Contains("CaseService.update", letter, StringComparison.Ordinal);
        Assert.Contains("HTTP 400", letter, StringComparison.Ordinal);
        Assert.False(dead[0].Transient);
        Assert.Equal(1, _esm.Requests.Count(r => r.Path.StartsWith("/www/manager-service/rest/CaseService/update", StringComparison.Ordinal)));   // a 400 is not retried
        foreach (var secret in _esm.IssuedTokens.Append(_esm.Password))
        {
            Assert.DoesNotContain(secret, letter, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, _log.Text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Esm_cases_are_checked_at_start_up_naming_the_key()
    {
        var noRules = new EsmCaseOptions { Enabled = true }.Validate("esm.cases", esmConfigured: true).ToList();
        Assert.Contains(noRules, p => p.Key == "esm.cases.rules");
        var noEsm = new EsmCaseOptions { Enabled = true, Rules = ["x"] }.Validate("esm.cases", esmConfigured: false).ToList();
        Assert.Contains(noEsm, p => p.Key == "esm.cases.enabled");
        var badWriteBack = new EsmCaseOptions { Enabled = true, Rules = ["x"], WriteBack = true, Reference = "no placeholder", UrlField = "description" }
            .Validate("esm.cases", esmConfigured: true).Select(p => p.Key).ToList();
        Assert.Contains("esm.cases.reference", badWriteBack);
        Assert.Contains("esm.cases.url", badWriteBack);
        Assert.Empty(new EsmCaseOptions { Enabled = true, Rules = ["x"], WriteBack = true }.Validate("esm.cases", esmConfigured: true));

        _files.Write("rules.yaml", EsmCaseConfig.Rule("hook").Replace("name: esm-case", "name: other", StringComparison.Ordinal));
        var config = Config();
        var ex = Assert.Throws<ConfigException>(() => CefTicketPipeline.Create(AegConfig.Load(config), config, _log.Logger));
        Assert.Contains(ex.Problems, p => p.Key == "esm.cases.rules" && p.Reason.Contains("esm-case", StringComparison.Ordinal));
        Assert.Contains(config, ex.Message, StringComparison.Ordinal);
        Assert.Contains(ConfigChecker.Check(config, out _), f => f.Key == "esm.cases.rules" && f.Reason.Contains("esm-case", StringComparison.Ordinal));
    }
}
