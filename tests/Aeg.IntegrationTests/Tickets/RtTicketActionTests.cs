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

        var first = new TicketDispatcher(new Dictionary<string, ITicketAction> { ["rt"] = Rt() }, new TicketStore(dbPath),
            new DeadLetterStore(dir.File("dead")), SecretScrubber.None, _log.Logger, _counters);
        Assert.Equal(DispatchOutcome.Created, (await first.ProcessAsync(work, CancellationToken.None)).Outcome);
        // A new process: a new store on the same file and a new dispatcher.
        var store = new TicketStore(dbPath);
        var second = new TicketDispatcher(new Dictionary<string, ITicketAction> { ["rt"] = Rt() }, store,
            new DeadLetterStore(dir.File("dead")), SecretScrubber.None, _log.Logger, new TicketCounters());
        Assert.Equal(DispatchOutcome.Updated, (await second.ProcessAsync(work, CancellationToken.None)).Outcome);

        var record = store.Find("rt", key)!;
        Assert.Equal(1, record.UpdateCount);
        var search = await GetAsync($"tickets?query={Uri.EscapeDataString($"Subject = 'aeg-test {_id} dedupe'")}");
        Assert.Equal(1, search.GetProperty("count").GetInt32());
        Assert.Equal(record.TicketRef, search.GetProperty("items")[0].GetProperty("id").GetString());
        Assert.Contains("Comment", await HistoryTypesAsync(record.TicketRef));
        Assert.False(Directory.Exists(dir.File("dead")));
    }
}
