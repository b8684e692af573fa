using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Aeg.Configuration;
using Aeg.Syslog;
using Aeg.Tickets;
using Serilog.Events;
using Serilog.Formatting.Display;
using Xunit;
using static Aeg.TestKit.TicketKit;

namespace Aeg.Tests.Logging;

/// <summary>The DBG lines of the send and ticket paths: what a person running <c>--debug</c> reads, with no secret in them.</summary>
public sealed class DebugLineTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly LogCapture _log = new();
    private readonly TempDirectory _dir = new();

    public void Dispose()
    {
        _log.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task A_tcp_sender_says_when_it_connects_and_what_each_flush_carried()
    {
        using var receiver = new Receiver();
        await using var sender = receiver.Sender(_log.Logger);
        var messages = new[] { SyslogTestMessages.Message(1, "cs1=a"), SyslogTestMessages.Message(2, "cs1=bb"), SyslogTestMessages.Message(3, "cs1=ccc") };
        foreach (var message in messages)
        {
            await sender.SendAsync(message, CancellationToken.None).AsTask().WaitAsync(Timeout);
        }
        await sender.FlushAsync(CancellationToken.None).AsTask().WaitAsync(Timeout);

        // LF framing: each message plus its line feed.
        var bytes = messages.Sum(m => m.Length + 1);
        var debug = Lines(LogEventLevel.Debug);
        Assert.Contains($"Syslog tcp://127.0.0.1:{receiver.Port} (rfc3164, lf): connecting", debug);
        Assert.Contains($"Syslog tcp://127.0.0.1:{receiver.Port} (rfc3164, lf): batch flushed, 3 message(s), {bytes} bytes", debug);
    }

    [Fact]
    public async Task With_debug_off_a_send_and_flush_allocate_nothing_for_the_flush_line()
    {
        using var receiver = new Receiver();
        using var info = new Serilog.LoggerConfiguration().MinimumLevel.Information().CreateLogger();
        await using var sender = receiver.Sender(info);
        var message = SyslogTestMessages.Message(1, "cs1=a");
        await sender.SendAsync(message, CancellationToken.None).AsTask().WaitAsync(Timeout);
        using var peer = await receiver.Listener.AcceptTcpClientAsync().WaitAsync(Timeout);
        _ = peer.GetStream().CopyToAsync(Stream.Null);
        for (var i = 0; i < 100; i++)
        {
            await SendAndFlushAsync(sender, message);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            await SendAndFlushAsync(sender, message);
        }
        var perFlush = (GC.GetAllocatedBytesForCurrentThread() - before) / 1000.0;

        // A flush line built while DBG is off (its argument array, two boxed counts) would cost about 100 bytes per flush.
        Assert.True(perFlush < 16, $"{perFlush:0.#} bytes allocated per send and flush with DBG off");
    }

    private static async Task SendAndFlushAsync(TcpSyslogSender sender, ReadOnlyMemory<byte> message)
    {
        await sender.SendAsync(message, CancellationToken.None);
        await sender.FlushAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_failed_connect_names_the_next_attempt_as_a_duration()
    {
        await using var sender = new TcpSyslogSender(new SyslogOutputOptions
        {
            Host = "127.0.0.1",
            Port = FreePorts.Tcp(),
            Protocol = SyslogProtocol.Tcp,
            ReconnectMinDelay = TimeSpan.FromSeconds(2),
            ReconnectMaxDelay = TimeSpan.FromSeconds(2),
        }, _log.Logger);

        await Assert.ThrowsAsync<SyslogSendException>(() => sender.SendAsync(SyslogTestMessages.Message(1, "cs1=x"), CancellationToken.None).AsTask());

        var warning = Assert.Single(Lines(LogEventLevel.Warning));
        Assert.EndsWith("next attempt in 2.0s", warning);
    }

    [Fact]
    public async Task A_ticket_request_logs_the_action_the_address_without_query_and_the_answer_with_its_time()
    {
        const string querySecret = "q-Secret-9f3e21";
        await using var server = await InProcessHttpServer.StartAsync((r, _) => new Reply(200, """{"id":"h1"}"""));
        var hook = SystemOptions(TicketSystemType.Webhook, new Uri(server.BaseUrl, "hook?key=" + querySecret), 1, TicketAuth.None);
        var counters = new TicketCounters();
        var (systems, dispatcher) = Dispatcher(new TicketsOptions { Systems = new() { ["hook"] = hook } }, _dir, _log.Logger, counters);
        using var _ = systems;
        var queue = Channel.CreateUnbounded<TicketWork>();
        queue.Writer.TryWrite(Work("hook", "k1", Fields(("title", "t")), null, rule: "r1"));
        queue.Writer.Complete();

        await dispatcher.RunAsync(queue.Reader, CancellationToken.None);

        Assert.Equal(1, counters.Created);
        var debug = Lines(LogEventLevel.Debug);
        Assert.Contains("Rule r1: no ticket yet for key k1; creating one in hook", debug);
        Assert.Contains(debug, l => l.Contains($"POST {new Uri(server.BaseUrl, "hook")} (attempt 1)", StringComparison.Ordinal));
        var answered = Assert.Single(debug, l => l.Contains("answered HTTP 200 OK in ", StringComparison.Ordinal));
        Assert.Matches(@"in \d+(ms|\.\ds|s)$", answered);
        Assert.DoesNotContain(querySecret, _log.Text);
    }

    // As the console writes them ({Message:lj}): strings without quotes.
    private List<string> Lines(LogEventLevel level)
    {
        var formatter = new MessageTemplateTextFormatter("{Message:lj}", CultureInfo.InvariantCulture);
        return [.. _log.Events.Where(e => e.Level == level).Select(e =>
        {
            using var text = new StringWriter();
            formatter.Format(e, text);
            return text.ToString();
        })];
    }

    [Theory]
    [InlineData("https://user:pw-77@rt.example.com:8443/REST/2.0/ticket?token=t-1#frag", "https://rt.example.com:8443/REST/2.0/ticket")]
    [InlineData("http://hooks.example.com/x/y", "http://hooks.example.com/x/y")]
    public void A_logged_address_has_no_user_info_query_or_fragment(string url, string logged) =>
        Assert.Equal(logged, SecretScrubber.Url(new Uri(url), SecretScrubber.None));

    [Fact]
    public void A_logged_address_has_known_secrets_replaced_even_in_its_path() =>
        Assert.Equal("https://h.example.com/hook/***/in", SecretScrubber.Url(new Uri("https://h.example.com/hook/s3cr3t-path/in"), new SecretScrubber(["s3cr3t-path"])));

    /// <summary>A loopback TCP listener on a free port, and senders to it.</summary>
    private sealed class Receiver : IDisposable
    {
        public Receiver() => Listener.Start();

        public TcpListener Listener { get; } = new(IPAddress.Loopback, 0);

        public int Port => ((IPEndPoint)Listener.LocalEndpoint).Port;

        public TcpSyslogSender Sender(Serilog.ILogger log) =>
            new(new SyslogOutputOptions { Host = "127.0.0.1", Port = Port, Protocol = SyslogProtocol.Tcp }, log);

        public void Dispose() => Listener.Stop();
    }
}
