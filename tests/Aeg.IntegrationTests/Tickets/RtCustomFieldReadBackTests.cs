using Aeg.Configuration;
using Aeg.IntegrationTests.Infrastructure;
using Aeg.Tickets;
using Serilog.Events;
using Xunit;
using static Aeg.TestKit.TicketKit;

namespace Aeg.IntegrationTests.Tickets;

/// <summary>
/// RT 5 answers 201/200 to a custom field value it cannot store (a host name in the IP-address field
/// DestinationIP of the dev RT's SOC queue) and leaves the field empty: the dispatcher reads the ticket back
/// and warns with rule, key, field and the value sent; a valid value gives no warning.
/// </summary>
[Trait("Category", TestServices.RtCategory)]
public sealed class RtCustomFieldReadBackTests : RtTestBase
{
    private readonly TempDirectory _dir = new();

    public override void Dispose()
    {
        _dir.Dispose();
        base.Dispose();
    }

    private TicketDispatcher Dispatcher() => new(new Dictionary<string, ITicketAction> { ["rt"] = Rt() },
        new TicketOutbox(TicketStore.DefaultPath(_dir.Path), TimeSpan.FromSeconds(30)), SecretScrubber.None, _log.Logger, _counters);

    private List<string> Warnings() => [.. _log.Events.Where(e => e.Level == LogEventLevel.Warning).Select(e => e.RenderMessage())];

    [Fact]
    public async Task A_host_name_in_an_IP_address_custom_field_is_created_but_warned_about_with_rule_key_field_and_value()
    {
        var dispatcher = Dispatcher();
        var key = $"readback-{_id}";
        var create = Fields(("Queue", "SOC"), ("Subject", $"aeg-test {_id} readback"), ("CF.SourceIP", "10.9.8.7"), ("CF.DestinationIP", "dc01.example.org"));

        var (outcome, error) = await dispatcher.ProcessAsync(Work("rt", key, create, null, rule: "esm-correlation"), CancellationToken.None);

        Assert.Equal((DispatchOutcome.Created, (string?)null), (outcome, error));
        var ticketRef = Assert.Single(new TicketOutbox(TicketStore.DefaultPath(_dir.Path), TimeSpan.FromSeconds(30)).Store.List()).TicketRef;
        var ticket = await GetAsync($"ticket/{ticketRef}");
        Assert.Null(CustomField(ticket, "DestinationIP"));   // RT really dropped it
        var warning = Assert.Single(Warnings());
        Assert.Contains("Rule \"esm-correlation\"", warning);
        Assert.Contains(key, warning);
        Assert.Contains("CF.DestinationIP", warning);
        Assert.Contains("dc01.example.org", warning);
        Assert.Contains("(empty)", warning);
        Assert.DoesNotContain("SourceIP", warning);
    }

    [Fact]
    public async Task Valid_custom_field_values_on_create_and_update_give_no_warning_and_a_bad_one_on_update_fails_with_RTs_words()
    {
        var dispatcher = Dispatcher();
        var key = $"readback-ok-{_id}";
        var create = Fields(("Queue", "SOC"), ("Subject", $"aeg-test {_id} readback ok"), ("CF.SourceIP", "10.9.8.7"), ("CF.DestinationIP", "192.0.2.44"), ("CF.CEFSignatureID", "4711"));

        Assert.Equal(DispatchOutcome.Created, (await dispatcher.ProcessAsync(Work("rt", key, create, null), CancellationToken.None)).Outcome);
        Assert.Equal(DispatchOutcome.Updated, (await dispatcher.ProcessAsync(Work("rt", key, null, Fields(("CF.DestinationIP", "192.0.2.45"))), CancellationToken.None)).Outcome);
        Assert.Empty(Warnings());

        // On update RT does say so in its 200 answer's messages: that is a failure (a dead letter with RT's words), not a warning.
        var bad = await dispatcher.ProcessAsync(Work("rt", key, null, Fields(("CF.DestinationIP", "fileserver.example.org"))), CancellationToken.None);
        Assert.Equal(DispatchOutcome.Failed, bad.Outcome);
        Assert.Contains("Invalid value for custom field", bad.Error);
    }
}
