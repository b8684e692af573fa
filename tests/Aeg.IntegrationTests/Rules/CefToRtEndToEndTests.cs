using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Aeg.Annotations;
using Aeg.Configuration;
using Aeg.Daemon;
using Aeg.IntegrationTests.Infrastructure;
using Aeg.Listener;
using Aeg.Rules;
using Aeg.Syslog;
using Aeg.Tickets;

namespace Aeg.IntegrationTests.Rules;

/// <summary>
/// The whole inbound path against the real dev Request Tracker: CEF over UDP and TCP → the
/// example rules of content/rules → RT tickets, with the dedupe store surviving a restart.
/// </summary>
[Trait("Category", TestServices.RtCategory)]
public sealed class CefToRtEndToEndTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "aeg-e2e-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly string _id = Guid.NewGuid().ToString("N")[..12];
    // A fresh ESM event id per run: the dedupe key esm-event-<id> is new even in a shared RT.
    private readonly long _eventId = Random.Shared.NextInt64(1L << 40, 1L << 50);
    private readonly LogCapture _log = new();
    private readonly HttpClient _rt = new() { BaseAddress = new Uri(TestServices.RtUrl.ToString().TrimEnd('/') + "/REST/2.0/") };

    public CefToRtEndToEndTests()
    {
        Directory.CreateDirectory(_dir);
        _rt.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{TestServices.RtUser}:{TestServices.RtPassword}")));
    }

    private string ConfigFile()
    {
        var path = Path.Combine(_dir, "aeg.yaml");
        File.WriteAllText(path, $"""
            mappings: {TestServices.RepoFile("cef-mappings.yaml")}
            state:
              directory: {Path.Combine(_dir, "state")}
            listen:
              listeners:
                - {"{"} protocol: udp, address: 127.0.0.1, port: 0 {"}"}
                - {"{"} protocol: tcp, address: 127.0.0.1, port: 0 {"}"}
            rules:
              path: {TestServices.RepoFile("content/rules")}
            tickets:
              systems:
                rt:
                  type: rt
                  url: {TestServices.RtUrl}
                  auth: token
                  tokenFile: {Environment.GetEnvironmentVariable("AEG_TEST_RT_TOKEN_FILE")}
            """);
        return path;
    }

    private async Task<CefTicketPipeline> StartAsync()
    {
        var config = ConfigFile();
        var pipeline = CefTicketPipeline.Create(AegConfig.Load(config), config, _log.Logger);
        await pipeline.StartAsync();
        return pipeline;
    }

    private string Correlation => "<134>Nov 22 03:00:00 esm01 CEF:0|ArcSight|ArcSight|7.6.0.8009.0|rule:4711|aeg-e2e "
        + _id + "|8|eventId=" + _eventId + " type=2 src=10.1.2.3 dst=192.0.2.10 shost=ws5 duser=bob";

    private byte[] ClosedAnnotation()
    {
        var mapper = new AnnotationMapper(CefMappingsFile.Load(TestServices.RepoFile("cef-mappings.yaml")), new SyslogOutputOptions(), "aeg01");
        return mapper.Map(new AnnotationRow
        {
            EventId = _eventId,
            Version = 4,
            ModificationTimeMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            ModifiedBy = "analyst-" + _id,
            StageName = "Closed",
            StageUri = "/All Stages/Closed",
            CurrentComment = "false positive",
        }).ToArray();
    }

    [Fact]
    public async Task CEF_over_UDP_and_TCP_creates_comments_and_resolves_one_RT_ticket_across_a_restart()
    {
        string ticketRef;
        await using (var pipeline = await StartAsync())
        {
            await SendUdpAsync(pipeline, Encoding.UTF8.GetBytes(Correlation));
            ticketRef = await WaitForMappingAsync();
            await WaitUntil.HoldsAsync(() => pipeline.Tickets.Counters.Created == 1, "the ticket to be created", Deadline);
            Assert.Equal((1, 1, 0), (Sender(pipeline).Parsed, Sender(pipeline).Matched, Sender(pipeline).Rejected));
        }

        var ticket = await GetAsync($"ticket/{ticketRef}");
        var soc = await GetAsync("queue/SOC");
        Assert.Equal(soc.GetProperty("id").GetRawText().Trim('"'), ticket.GetProperty("Queue").GetProperty("id").GetString());
        Assert.Equal($"[ESM] aeg-e2e {_id} (10.1.2.3 -> 192.0.2.10)", ticket.GetProperty("Subject").GetString());
        Assert.Equal("8", ticket.GetProperty("Priority").GetString());
        Assert.Equal("10.1.2.3", CustomField(ticket, "SourceIP"));
        Assert.Equal("192.0.2.10", CustomField(ticket, "DestinationIP"));
        Assert.Equal("rule:4711", CustomField(ticket, "CEFSignatureID"));

        // A new process: the mapping comes from the dedupe store in the state directory.
        await using (var pipeline = await StartAsync())
        {
            await SendTcpAsync(pipeline, Encoding.UTF8.GetBytes(Correlation));
            await WaitUntil.HoldsAsync(() => pipeline.Tickets.Counters.Updated == 1, "the repeated event to update the ticket", Deadline);
            Assert.Equal(0, pipeline.Tickets.Counters.Created);
            Assert.Contains("Comment", await HistoryTypesAsync(ticketRef));

            await SendTcpAsync(pipeline, ClosedAnnotation());
            await WaitUntil.HoldsAsync(() => pipeline.Tickets.Counters.Updated == 2, "the Closed annotation to update the ticket", Deadline);
            Assert.Equal(0, pipeline.Tickets.Counters.Failed);
        }

        ticket = await GetAsync($"ticket/{ticketRef}");
        Assert.Equal("resolved", ticket.GetProperty("Status").GetString());
        var same = await GetAsync($"tickets?query={Uri.EscapeDataString($"Subject LIKE 'aeg-e2e {_id}'")}");
        Assert.Equal(1, same.GetProperty("total").GetInt32());
        Assert.Equal(ticketRef, new TicketStore(TicketStore.DefaultPath(Path.Combine(_dir, "state"))).Find("rt", $"esm-event-{_eventId}")!.TicketRef);
    }

    private static SenderCounters Sender(CefTicketPipeline pipeline) => pipeline.Listeners.Senders.Snapshot().Single(s => s.Address == "127.0.0.1");

    private static async Task SendUdpAsync(CefTicketPipeline pipeline, byte[] frame)
    {
        var endPoint = pipeline.Listeners.Listeners.Single(l => l.Options.Protocol == SyslogProtocol.Udp).LocalEndPoint!;
        using var udp = new UdpClient(AddressFamily.InterNetwork);
        await udp.SendAsync(frame, new IPEndPoint(IPAddress.Loopback, endPoint.Port));
    }

    private static async Task SendTcpAsync(CefTicketPipeline pipeline, byte[] frame)
    {
        var endPoint = pipeline.Listeners.Listeners.Single(l => l.Options.Protocol == SyslogProtocol.Tcp).LocalEndPoint!;
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, endPoint.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(frame);
        await stream.WriteAsync("\n"u8.ToArray());
        await stream.FlushAsync();
        tcp.Client.Shutdown(SocketShutdown.Send);
        // Wait for the listener to close its side: it has read everything.
        var buffer = new byte[16];
        using var timeout = new CancellationTokenSource(Deadline);
        while (await stream.ReadAsync(buffer, timeout.Token) > 0)
        {
        }
    }

    private async Task<string> WaitForMappingAsync()
    {
        var store = new TicketStore(TicketStore.DefaultPath(Path.Combine(_dir, "state")));
        TicketRecord? record = null;
        await WaitUntil.HoldsAsync(() => (record = store.Find("rt", $"esm-event-{_eventId}")) is not null, "the dedupe store to map the key", Deadline);
        return record!.TicketRef;
    }

    private async Task<JsonElement> GetAsync(string path)
    {
        using var doc = JsonDocument.Parse(await _rt.GetStringAsync(path));
        return doc.RootElement.Clone();
    }

    private async Task<string[]> HistoryTypesAsync(string ticketRef)
    {
        var history = await GetAsync($"ticket/{ticketRef}/history?fields=Type&per_page=100");
        return [.. history.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("Type").GetString()!)];
    }

    private static string? CustomField(JsonElement ticket, string name) => ticket.GetProperty("CustomFields").EnumerateArray()
        .Where(cf => cf.GetProperty("name").GetString() == name)
        .SelectMany(cf => cf.GetProperty("values").EnumerateArray().Select(v => v.GetString()))
        .FirstOrDefault();

    public void Dispose()
    {
        _rt.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
