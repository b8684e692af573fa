using Aeg.Configuration;
using Aeg.IntegrationTests.Infrastructure;
using Aeg.Tickets;
using Xunit;
using static Aeg.TestKit.TicketKit;

namespace Aeg.IntegrationTests.Tickets;

/// <summary>The Request Tracker action against the real dev RT: create, comment, correspond, resolve, dedupe across restarts.</summary>
[Trait("Category", TestServices.RtCategory)]
public sealed class RtTicketActionTests : RtTestBase
{
    [Fact]
    public async Task Create_sets_queue_subject_requestor_priority_custom_fields_and_content_read_back_through_REST2()
    {
        var rt = Rt();

        var result = await rt.CreateAsync(NewTicket("create"), CancellationToken.None);

        var ticket = await GetAsync($"ticket/{result.TicketRef}");
        var queue = await GetAsync("queue/SOC");
        Assert.Equal(queue.GetProperty("id").GetRawText().Trim('"'), ticket.GetProperty("Queue").GetProperty("id").GetString());
        Assert.Equal($"aeg-test {_id} create", ticket.GetProperty("Subject").GetString());
        Assert.Equal("80", ticket.GetProperty("Priority").GetString());
        Assert.Equal("soc@example.com", ticket.GetProperty("Requestor").EnumerateArray().Single().GetProperty("id").GetString());
        Assert.Equal("10.1.2.3", CustomField(ticket, "SourceIP"));
        Assert.Equal("192.0.2.10", CustomField(ticket, "DestinationIP"));
        Assert.Equal("4711", CustomField(ticket, "CEFSignatureID"));
        Assert.Contains("Create", await HistoryTypesAsync(result.TicketRef));
    }

    [Fact]
    public async Task Update_adds_comment_and_correspondence_to_history_and_resolves()
    {
        var rt = Rt();
        var ticket = (await rt.CreateAsync(NewTicket("update"), CancellationToken.None)).TicketRef;

        await rt.UpdateAsync(ticket, Fields(("Comment", $"seen again {_id}"), ("Correspond", "We are looking into it")), CancellationToken.None);
        await rt.UpdateAsync(ticket, Fields(("Status", "resolved"), ("Priority", "20"), ("CF.CEFSignatureID", "4712 login failed: invalid")), CancellationToken.None);

        var types = await HistoryTypesAsync(ticket);
        Assert.Contains("Comment", types);
        Assert.Contains("Correspond", types);
        var read = await GetAsync($"ticket/{ticket}");
        Assert.Equal("resolved", read.GetProperty("Status").GetString());
        Assert.Equal("20", read.GetProperty("Priority").GetString());
        // RT echoes the new value in its message; words like "failed" in it are not an RT failure.
        Assert.Equal("4712 login failed: invalid", CustomField(read, "CEFSignatureID"));
    }

    [Fact]
    public async Task Same_dedupe_key_updates_the_same_ticket_across_a_dispatcher_restart()
    {
        using var dir = new TempDirectory();
        var dbPath = dir.File("tickets.db");
        var key = $"corr-{_id}";
        var work = Work("rt", key, NewTicket("dedupe"), Fields(("Comment", $"again {_id}")));

        var first = new TicketDispatcher(new Dictionary<string, ITicketAction> { ["rt"] = Rt() }, new TicketOutbox(dbPath, TimeSpan.FromSeconds(30)),
            SecretScrubber.None, _log.Logger, _counters);
        Assert.Equal(DispatchOutcome.Created, (await first.ProcessAsync(work, CancellationToken.None)).Outcome);
        // A new process: a new outbox on the same file and a new dispatcher.
        var outbox = new TicketOutbox(dbPath, TimeSpan.FromSeconds(30));
        var second = new TicketDispatcher(new Dictionary<string, ITicketAction> { ["rt"] = Rt() }, outbox,
            SecretScrubber.None, _log.Logger, new TicketCounters());
        Assert.Equal(DispatchOutcome.Updated, (await second.ProcessAsync(work, CancellationToken.None)).Outcome);

        var record = outbox.Store.Find("rt", key)!;
        Assert.Equal(1, record.UpdateCount);
        var search = await GetAsync($"tickets?query={Uri.EscapeDataString($"Subject = 'aeg-test {_id} dedupe'")}");
        Assert.Equal(1, search.GetProperty("count").GetInt32());
        Assert.Equal(record.TicketRef, search.GetProperty("items")[0].GetProperty("id").GetString());
        Assert.Contains("Comment", await HistoryTypesAsync(record.TicketRef));
        Assert.Empty(outbox.DeadLetters());
    }

    [Fact]
    public async Task A_create_whose_answer_was_lost_in_a_crash_is_found_through_the_REST2_search_and_not_made_twice()
    {
        using var dir = new TempDirectory();
        var key = $"crash-{_id}";
        var work = Work("rt", key, NewTicket("crash"), Fields(("Comment", $"after the crash {_id}")));
        // The crashed process (a holder of this host whose pid is gone): job and key claimed, create marked as sent and
        // sent — RT made the ticket — and the process died before recording the answer.
        var deadPid = Enumerable.Range(4_000_000, 1000).First(p => !Directory.Exists($"/proc/{p}"));
        var crashed = new TicketOutbox(dir.File("tickets.db"), TimeSpan.FromSeconds(30), holder: $"{Environment.MachineName}/{deadPid}/1");
        crashed.Add([work, work]);
        Assert.Single(crashed.Claim(1));
        Assert.True(crashed.Keys.TryClaim("rt", key).Taken);
        crashed.Keys.MarkCreateSent("rt", key);
        var made = await ((ITicketAction)Rt()).CreateAsync(work.OnCreate!, TicketIdempotency.Key("rt", key), CancellationToken.None);
        Assert.Null(await Rt().FindCreatedAsync(NewTicket("never sent"), TicketIdempotency.Key("rt", key), DateTimeOffset.UtcNow, CancellationToken.None));

        var restarted = new TicketDispatcher(new Dictionary<string, ITicketAction> { ["rt"] = Rt() }, new TicketOutbox(dir.File("tickets.db"), TimeSpan.FromSeconds(30)),
            SecretScrubber.None, _log.Logger, new TicketCounters());
        var drained = System.Threading.Channels.Channel.CreateUnbounded<TicketWork>();
        drained.Writer.Complete();
        await restarted.RunAsync(drained.Reader, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));

        var search = await GetAsync($"tickets?query={Uri.EscapeDataString($"Subject = 'aeg-test {_id} crash'")}");
        Assert.Equal(1, search.GetProperty("count").GetInt32());
        var record = restarted.Outbox.Store.Find("rt", key)!;
        Assert.Equal((made.TicketRef, 1L), (record.TicketRef, record.UpdateCount));
        Assert.Equal(new OutboxCounts(0, 0, 2), restarted.Outbox.Counts());
        Assert.Contains("Comment", await HistoryTypesAsync(record.TicketRef));
    }
}
