using Aeg.Tickets;
using Xunit;

namespace Aeg.Tests.Tickets;

/// <summary>Reading RT's 2xx message arrays; the texts are those the dev RT returned (see RtTicketAction's remarks).</summary>
public sealed class RtMessageTests
{
    [Theory]
    [InlineData("""["Ticket 1: Status 'bogus' isn't a valid status for this ticket."]""", "bogus")]
    [InlineData("""["Permission Denied"]""", "")]
    [InlineData("""["Ticket 1: Priority changed from 'Medium' to 'Low'","Could not add new custom field value: Permission Denied"]""", "x")]
    public void Failures_in_a_2xx_message_array_are_found(string response, string sentValue)
    {
        Assert.NotEmpty(RtTicketAction.ReportedFailures(response, [sentValue]));
    }

    [Theory]
    [InlineData("""[]""", "")]
    [InlineData("""["Comments added"]""", "")]
    [InlineData("""["Ticket 1: Priority changed from 'Medium' to 'Medium'","Ticket 1: Status changed from 'new' to 'open'","SourceIP 10.0.0.1 changed to 10.0.0.2"]""", "10.0.0.2")]
    [InlineData("""["CEFName Login failed: invalid user added"]""", "Login failed: invalid user")]
    [InlineData("""["CEFName Login failed changed to Port scan"]""", "Port scan")]
    public void Reports_of_done_changes_are_not_failures_even_when_values_contain_failure_words(string response, string sentValue)
    {
        Assert.Empty(RtTicketAction.ReportedFailures(response, [sentValue]));
    }
}
