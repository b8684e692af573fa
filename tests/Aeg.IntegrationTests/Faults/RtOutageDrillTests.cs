using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Aeg.Configuration;
using Aeg.Daemon;
using Aeg.IntegrationTests.Infrastructure;
using Aeg.IntegrationTests.Tickets;
using Aeg.Tickets;
using Xunit.Abstractions;
using static Aeg.TestKit.TicketKit;

namespace Aeg.IntegrationTests.Faults;

/// <summary>
/// Fault drill: a Request Tracker of this test's own (never the shared one) stops while ticket
/// work is due; the work retries, is dead-lettered, and <c>aeg tickets retry</c> (the real binary)
/// replays it once RT is back.
/// </summary>
[Trait("Category", TestServices.RtCategory)]
public sealed class RtOutageDrillTests(ITestOutputHelper output)
{
    private const int MaxAttempts = 3;

    [Fact]
    public async Task Rt_stopped_while_tickets_are_due_retries_then_dead_letters_and_aeg_tickets_retry_creates_each_ticket_once()
    {
        await using var rt = await OwnService.StartRtAsync();
        using var dir = new TempDirectory();
        using var log = new LogCapture();
        var id = Guid.NewGuid().ToString("N")[..10];
        var config = WriteConfig(dir, rt);
        var options = AegConfig.Load(config);
        using var http = RtClient(rt);

        var queue = new BoundedTicketQueue(options.Tickets.Queue, log.Logger);
        using var service = TicketService.Create(options.Tickets, options.State.Directory, config, log.Logger);
        var run = service.RunAsync(queue.Reader, CancellationToken.None);

        // One ticket exists before the outage; its key comes back during it as an update.
        Assert.True(queue.TryEnqueue(TicketFor(id, "k0")));
        await WaitUntil.HoldsAsync(() => service.Counters.Created == 1 || service.Counters.Failed > 0, "the first ticket", TimeSpan.FromSeconds(60));
        Assert.True(service.Counters.Created == 1, log.Text);

        await rt.StopAsync();
        // Five new keys, one of them twice, and an update of the existing ticket.
        string[] keys = ["k1", "k2", "k3", "k4", "k5", "k1", "k0"];
        foreach (var key in keys)
        {
            Assert.True(queue.TryEnqueue(TicketFor(id, key)));
        }
        await WaitUntil.HoldsAsync(() => service.Counters.DeadLettered == keys.Length, "every action to be dead-lettered", TimeSpan.FromSeconds(60));
        queue.Complete();
        await run.WaitAsync(TimeSpan.FromSeconds(30));
        var letters = service.Outbox.DeadLetters();
        Assert.Equal(keys.Length, letters.Count);
        Assert.All(letters, l => Assert.True(l.Transient && l.Attempts == MaxAttempts, $"{l.DedupeKey}: transient={l.Transient} attempts={l.Attempts} {l.Error}"));
        var retried = service.Counters.Retried;
        Assert.True(retried >= keys.Length * (MaxAttempts - 1), $"only {retried} retries");

        await rt.RestartAsync(TimeSpan.FromSeconds(120));
        await WaitUntil.HoldsAsync(() => AnswersAsync(http, "queue/SOC"), "RT to answer REST2 again", TimeSpan.FromSeconds(120), every: TimeSpan.FromMilliseconds(100));

        var (exit, text) = await Drill.RunAegAsync(["tickets", "retry", "--config", config], "");
        Assert.True(exit == 0, text);
        Assert.Empty(service.Outbox.DeadLetters());
        var (exitAgain, textAgain) = await Drill.RunAegAsync(["tickets", "retry", "--config", config], "");
        Assert.True(exitAgain == 0, textAgain);

        var subjects = await SubjectsAsync(http, id);
        var expected = keys.Prepend("k0").Distinct().Select(k => Subject(id, k)).Order().ToList();
        var result = new DrillResult("RT down while tickets are due", expected.Count, subjects.Count, subjects.Count - subjects.Distinct().Count(),
            expected.Count(s => !subjects.Contains(s)),
            $"{keys.Length} actions dead-lettered after {MaxAttempts} attempts each ({retried} retries); `aeg tickets retry` run twice; tickets counted in RT by subject");
        result.Print(output);
        Assert.Equal(expected, subjects.Order().ToList());
        Assert.Equal(0, result.Duplicated);
        Assert.Equal(0, result.Lost);
        // k0 and the second k1 became updates of the existing tickets, not new tickets.
        var rows = new TicketStore(TicketStore.DefaultPath(options.State.Directory)).List();
        Assert.Equal(expected.Count, rows.Count);
        Assert.Equal(1, rows.Single(r => r.DedupeKey == "k0").UpdateCount);
        Assert.Equal(1, rows.Single(r => r.DedupeKey == "k1").UpdateCount);
    }

    private static TicketWork TicketFor(string id, string key) => Work("rt", key,
        Fields(("Queue", "SOC"), ("Subject", Subject(id, key)), ("Content", $"fault drill {id} {key}")),
        Fields(("Comment", $"seen again: {key}")));

    private static string Subject(string id, string key) => $"aeg-drill {id} {key}";

    private static string WriteConfig(TempDirectory dir, OwnService rt)
    {
        File.WriteAllText(dir.File("cef-mappings.yaml"), "");
        File.WriteAllText(dir.File("aeg.yaml"), $$"""
            state: { directory: {{dir.Path}} }
            tickets:
              workers: 2
              systems:
                rt: { type: rt, url: {{rt.Exports["AEG_TEST_RT_URL"]}}, tokenFile: {{rt.Exports["AEG_TEST_RT_TOKEN_FILE"]}}, timeout: 5s, retry: { maxAttempts: {{MaxAttempts}}, baseDelay: 100ms, maxDelay: 1s } }
            """);
        return dir.File("aeg.yaml");
    }

    private static HttpClient RtClient(OwnService rt)
    {
        var http = new HttpClient { BaseAddress = new Uri(rt.Exports["AEG_TEST_RT_URL"].TrimEnd('/') + "/REST/2.0/") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{rt.Exports["AEG_TEST_RT_USER"]}:{rt.Exports["AEG_TEST_RT_PASSWORD"]}")));
        return http;
    }

    // Every ticket whose subject carries this run's id, as RT itself lists them.
    private static async Task<List<string>> SubjectsAsync(HttpClient http, string id)
    {
        var query = Uri.EscapeDataString($"Subject LIKE 'aeg-drill {id}'");
        using var doc = JsonDocument.Parse(await http.GetStringAsync($"tickets?query={query}&fields=Subject&per_page=100"));
        return doc.RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("Subject").GetString()!).ToList();
    }

    private static async Task<bool> AnswersAsync(HttpClient http, string path)
    {
        try
        {
            return (await http.GetAsync(path)).IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false; // Not up yet.
        }
    }
}
