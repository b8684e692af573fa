using Aeg.Esm;
using Aeg.Esm.Cases;
using Aeg.IntegrationTests.Tickets;
using Xunit;

namespace Aeg.IntegrationTests.Esm;

/// <summary>
/// The small case drill into the real Request Tracker, with write-back: <see cref="EsmServiceLayerDocumentedApiServer"/>
/// (the ESM Service Layer written from its public documentation, CaseService findAllIds / getResourceById /
/// getCaseEventIDs / update; no ESM can run here) failing 10% of calls, one token expiry and a restart; one RT ticket per
/// case, the ticket number written back into the case's externalID, and a case whose RT ticket was resolved moves to CLOSED.
/// </summary>
[Trait("Category", TestServices.RtCategory)]
public sealed class EsmCaseRtDrillTests : RtTestBase, IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private readonly string _variable = "AEG_TEST_ESM_PW_" + Guid.NewGuid().ToString("N")[..8];
    private EsmServiceLayerDocumentedApiServer _esm = null!;

    public async Task InitializeAsync()
    {
        _esm = await EsmServiceLayerDocumentedApiServer.StartAsync();
        Environment.SetEnvironmentVariable(_variable, _esm.Password);
    }

    public async Task DisposeAsync()
    {
        await _esm.DisposeAsync();
        Environment.SetEnvironmentVariable(_variable, null);
        _dir.Dispose();
    }

    public override void Dispose() => base.Dispose();

    private async Task<Dictionary<string, string>> TicketsByCaseAsync()
    {
        var found = await GetAsync($"tickets?query={Uri.EscapeDataString($"Subject LIKE 'aeg-test {_id}'")}&fields=Subject&per_page=200");
        var byCase = new Dictionary<string, string>();
        foreach (var item in found.GetProperty("items").EnumerateArray())
        {
            var subject = item.GetProperty("Subject").GetString()!;
            var caseId = subject.Split(' ')[2];
            Assert.True(byCase.TryAdd(caseId, item.GetProperty("id").GetString()!), $"two RT tickets for case {caseId}");
        }
        return byCase;
    }

    [Fact]
    public async Task Fifty_case_changes_with_faults_a_token_expiry_and_a_restart_make_one_RT_ticket_per_case_written_back_and_a_resolved_ticket_closes_its_case()
    {
        File.WriteAllText(_dir.File("rt-token"), TestServices.RtToken + "\n");
        File.WriteAllText(_dir.File("rules.yaml"), $$$"""
            rules:
              - name: esm-case
                when: [{ field: deviceProduct, equals: ESM Case }]
                enrich: esm
                dedupe: "{{externalId}}"
                actions:
                  - target: rt
                    create:
                      Queue: SOC
                      Subject: "aeg-test {{{_id}}} {{externalId}} {{name}}"
                      Content: "ESM case {{esm.displayID}}, stage {{esm.stage}}\nevents: {{esm.caseEventIds|none}}"
                    update:
                      Comment: "Case now {{esm.stage}}: {{name}}; events {{esm.caseEventIds|none}}"
            """);
        var config = _dir.File("aeg.yaml");
        File.WriteAllText(config, EsmCaseConfig.Yaml(_dir.Path, _esm, _variable,
            $"pollInterval: 1d, batchSize: 7, lookBack: 10ms, writeBack: true, urlField: description, url: \"{TestServices.RtUrl.ToString().TrimEnd('/')}/Ticket/Display.html?id={{ticket}}\"",
            $"""      rt: {"{"} type: rt, url: "{TestServices.RtUrl}", tokenFile: {_dir.File("rt-token")} {"}"}""", maxAttempts: 10));
        var script = new EsmCaseDrillTests.CaseScript(_esm, fresh: 8, edits: 2, prefix: "c" + _id[..6]);
        _esm.FaultSeed = 5150;
        _esm.RandomFaultShare = 0.10;
        var pipeline = await EsmCaseConfig.StartAsync(config, _log.Logger, () => _log.Text);
        try
        {
            for (var round = 0; round < 5; round++)
            {
                script.Round(round);
                if (round == 2)
                {
                    _esm.ExpireAllTokens();
                }
                if (round == 3)
                {
                    await pipeline.DisposeAsync();
                    pipeline = await EsmCaseConfig.StartAsync(config, _log.Logger, () => _log.Text);
                    continue;
                }
                await PollWithRetryAsync(pipeline.Cases!);
            }
            await WaitUntil.HoldsAsync(() => script.LatestName.Keys.All(id => _esm.Case(id)["externalID"] is not null) && pipeline.Tickets.Outbox.Counts().Pending == 0,
                "every case written back", TimeSpan.FromMinutes(4), () => $"outbox {pipeline.Tickets.Outbox.Counts()}\n{_log.Text[^Math.Min(_log.Text.Length, 4000)..]}");

            var tickets = await TicketsByCaseAsync();
            Assert.Equal(script.LatestName.Keys.Order(), tickets.Keys.Order());
            foreach (var (caseId, ticket) in tickets)
            {
                Assert.Equal($"rt #{ticket}", _esm.Case(caseId)["externalID"]!.GetValue<string>());
                Assert.EndsWith($"/Ticket/Display.html?id={ticket}", _esm.Case(caseId)["description"]!.GetValue<string>(), StringComparison.Ordinal);
            }

            // An analyst resolves one ticket in RT; the case's next change writes the status back: the case moves to CLOSED.
            _esm.RandomFaultShare = 0;
            var (closedCase, closedTicket) = tickets.First();
            // A body with its length: RT's server reads no chunked body.
            using (var put = await _rt.PutAsync($"ticket/{closedTicket}", new StringContent("""{"Status":"resolved"}""", System.Text.Encoding.UTF8, "application/json")))
            {
                Assert.Contains("to 'resolved'", await put.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }
            var edited = System.Text.Json.Nodes.JsonNode.Parse(_esm.Case(closedCase).ToJsonString())!;
            edited["name"] = "resolved by the analyst";
            edited["modifiedTimestamp"] = edited["modifiedTimestamp"]!.GetValue<long>() + 1000;
            _esm.AddCase(edited.ToJsonString());
            await PollWithRetryAsync(pipeline.Cases!);
            await WaitUntil.HoldsAsync(() => _esm.Case(closedCase)["stage"]!.GetValue<string>() == "CLOSED", "the case of the resolved ticket in stage CLOSED",
                TimeSpan.FromMinutes(1), () => _log.Text[^Math.Min(_log.Text.Length, 4000)..]);
            Assert.All(tickets.Keys.Where(c => c != closedCase), c => Assert.NotEqual("CLOSED", _esm.Case(c)["stage"]!.GetValue<string>()));
        }
        finally
        {
            await pipeline.DisposeAsync();
        }
        Assert.Equal(50, script.Changes);
        Assert.Equal(42, script.LatestName.Count);
        Assert.True(_esm.RandomFaults.Values.Sum() > 10, $"only {_esm.RandomFaults.Values.Sum()} faults");
        foreach (var secret in _esm.IssuedTokens.Append(_esm.Password))
        {
            Assert.DoesNotContain(secret, _log.Text, StringComparison.Ordinal);
        }
    }

    private static async Task PollWithRetryAsync(EsmCasePoller poller)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await poller.PollOnceAsync(CancellationToken.None);
                return;
            }
            catch (EsmException) when (attempt < 5)
            {
            }
        }
    }
}
