using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Aeg.IntegrationTests.Infrastructure;
using Aeg.Tickets;
using Xunit;
using static Aeg.TestKit.TicketKit;

namespace Aeg.IntegrationTests.Tickets;

/// <summary>Shared set-up of the tests against the real dev RT (REST2); every ticket has a GUID in its subject.</summary>
public abstract class RtTestBase : IDisposable
{
    protected readonly LogCapture _log = new();
    protected readonly TicketCounters _counters = new();
    protected readonly HttpClient _rt = new() { BaseAddress = new Uri(TestServices.RtUrl.ToString().TrimEnd('/') + "/REST/2.0/") };
    protected readonly string _id = Guid.NewGuid().ToString("N")[..12];

    protected RtTestBase()
    {
        _rt.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{TestServices.RtUser}:{TestServices.RtPassword}")));
    }

    public virtual void Dispose()
    {
        _rt.Dispose();
        _log.Dispose();
    }

    protected RtTicketAction Rt(TicketAuth auth = TicketAuth.Token, string? password = null)
    {
        var credential = auth == TicketAuth.Token
            ? new TicketCredential(TicketAuth.Token, null, TestServices.RtToken)
            : new TicketCredential(TicketAuth.Basic, TestServices.RtUser, password ?? TestServices.RtPassword);
        var options = SystemOptions(TicketSystemType.Rt, TestServices.RtUrl, 2, auth, credential.User);
        return new RtTicketAction(Http("rt", options, credential, _log.Logger, _counters), TestServices.RtUrl);
    }

    protected Dictionary<string, string> NewTicket(string what) => Fields(
        ("Queue", "SOC"), ("Subject", $"aeg-test {_id} {what}"), ("Requestor", "soc@example.com"), ("Priority", "80"),
        ("Content", "CEF:0|Acme|IDS|1.0|4711|Port scan|8|src=10.1.2.3 dst=192.0.2.10"),
        ("CF.SourceIP", "10.1.2.3"), ("CF.DestinationIP", "192.0.2.10"), ("CF.CEFSignatureID", "4711"));

    protected async Task<JsonElement> GetAsync(string path)
    {
        var text = await _rt.GetStringAsync(path);
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.Clone();
    }

    protected static string? CustomField(JsonElement ticket, string name) => ticket.GetProperty("CustomFields").EnumerateArray()
        .Where(cf => cf.GetProperty("name").GetString() == name)
        .SelectMany(cf => cf.GetProperty("values").EnumerateArray().Select(v => v.GetString()))
        .FirstOrDefault();

    protected async Task<string[]> HistoryTypesAsync(string ticketRef)
    {
        var history = await GetAsync($"ticket/{ticketRef}/history?fields=Type&per_page=100");
        return history.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("Type").GetString()!).ToArray();
    }
}
