using System.Text;
using Aeg.IntegrationTests.Infrastructure;
using Aeg.Tickets;
using Xunit;
using static Aeg.TestKit.TicketKit;

namespace Aeg.IntegrationTests.Tickets;

/// <summary>Request Tracker failures that RT reports inside 2xx answers, and authentication, against the real dev RT.</summary>
[Trait("Category", TestServices.RtCategory)]
public sealed class RtTicketErrorTests : RtTestBase
{
    [Fact]
    public async Task Unknown_custom_field_is_an_error_although_RT_answers_2xx()
    {
        var rt = Rt();
        var ticket = (await rt.CreateAsync(NewTicket("unknown-cf"), CancellationToken.None)).TicketRef;
        // The premise: RT itself accepts the unknown field with 200 and an empty message list.
        using (var raw = await _rt.PutAsync($"ticket/{ticket}", new StringContent("""{"CustomFields":{"NoSuchField":"1"}}""", Encoding.UTF8, "application/json")))
        {
            Assert.True(raw.IsSuccessStatusCode);
            Assert.Equal("[]", (await raw.Content.ReadAsStringAsync()).Trim());
        }

        var onUpdate = await Assert.ThrowsAsync<TicketActionException>(() => rt.UpdateAsync(ticket, Fields(("CF.NoSuchField", "1")), CancellationToken.None));
        var fields = NewTicket("unknown-cf-create");
        fields["CF.NoSuchField"] = "1";
        var onCreate = await Assert.ThrowsAsync<TicketActionException>(() => rt.CreateAsync(fields, CancellationToken.None));

        Assert.False(onUpdate.Transient);
        Assert.Contains("NoSuchField", onUpdate.Message);
        Assert.Contains("NoSuchField", onCreate.Message);
        var search = await GetAsync($"tickets?query={Uri.EscapeDataString($"Subject = 'aeg-test {_id} unknown-cf-create'")}");
        Assert.Equal(0, search.GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Invalid_status_is_an_error_although_RT_answers_200()
    {
        var rt = Rt();
        var ticket = (await rt.CreateAsync(NewTicket("bad-status"), CancellationToken.None)).TicketRef;

        var ex = await Assert.ThrowsAsync<TicketActionException>(() => rt.UpdateAsync(ticket, Fields(("Status", "bogus")), CancellationToken.None));

        Assert.False(ex.Transient);
        Assert.Contains("isn't a valid status", ex.Message);
        Assert.Equal("new", (await GetAsync($"ticket/{ticket}")).GetProperty("Status").GetString());
    }

    [Fact]
    public async Task Basic_auth_creates_and_a_wrong_password_fails_fast_with_401()
    {
        var result = await Rt(TicketAuth.Basic).CreateAsync(NewTicket("basic"), CancellationToken.None);
        var wrong = Rt(TicketAuth.Basic, "not-the-password");

        var ex = await Assert.ThrowsAsync<TicketActionException>(() => wrong.CreateAsync(NewTicket("basic-wrong"), CancellationToken.None));

        Assert.Equal("cefbot", (await GetAsync($"ticket/{result.TicketRef}")).GetProperty("Creator").GetProperty("id").GetString());
        Assert.Equal(401, ex.StatusCode);
        Assert.False(ex.Transient);
        Assert.Equal(0, _counters.Retried);
    }
}
