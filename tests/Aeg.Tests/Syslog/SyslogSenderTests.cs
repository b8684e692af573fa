using System.Net;
using System.Net.Sockets;
using Aeg.Syslog;
using static Aeg.TestKit.SyslogTestMessages;

namespace Aeg.Tests.Syslog;

/// <summary>The syslog senders without a receiver: refused and closed ports, cancellation, option checks.</summary>
public sealed class SyslogSenderTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Nobody_listening_fails_with_the_destination_and_reason()
    {
        var port = FreePorts.Tcp();
        await using var sender = ToClosedPort(SyslogProtocol.Tcp, port, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(10));

        var error = await Assert.ThrowsAsync<SyslogSendException>(
            () => sender.SendAsync(SyslogTestMessages.Message(1, "cs1=x"), CancellationToken.None).AsTask());
        Assert.Equal($"syslog send to tcp://127.0.0.1:{port} (rfc3164, lf) failed: ConnectionRefused: Connection refused", error.Message);
        Assert.Equal(1, sender.Stats.SendFailures);
        Assert.Equal(0, sender.Stats.MessagesSent);
    }

    [Fact]
    public async Task Udp_reports_a_closed_port_on_a_later_send()
    {
        var port = FreePorts.Udp();
        await using var sender = ToClosedPort(SyslogProtocol.Udp, port, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(10));

        // The first datagram leaves; the kernel's ICMP "port unreachable" fails a following send.
        var failure = await SendUntilFailureAsync(sender, Timeout);
        Assert.Contains($"udp://127.0.0.1:{port} (rfc3164) failed: ConnectionRefused", failure.Message);
        Assert.Equal(1, sender.Stats.SendFailures);
    }

    [Fact]
    public async Task Backoff_wait_honours_cancellation()
    {
        var port = FreePorts.Tcp();
        await using var sender = ToClosedPort(SyslogProtocol.Tcp, port, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10));
        var message = SyslogTestMessages.Message(1, "cs1=x");
        await Assert.ThrowsAsync<SyslogSendException>(() => sender.SendAsync(message, CancellationToken.None).AsTask());

        using var cancel = new CancellationTokenSource();
        var waiting = sender.SendAsync(message, cancel.Token).AsTask();
        Assert.False(waiting.IsCompleted);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Timeout));
        Assert.Equal(1, sender.Stats.SendFailures);
    }

    [Fact]
    public void Factory_rejects_invalid_options_naming_every_key()
    {
        var options = new SyslogOutputOptions
        {
            Host = "",
            Port = 0,
            Protocol = SyslogProtocol.Tcp,
            TlsCaFile = "/nonexistent/ca.pem",
            ReconnectMinDelay = TimeSpan.FromSeconds(5),
            ReconnectMaxDelay = TimeSpan.FromSeconds(1),
            UdpMaxMessageSize = 100,
        };

        var error = Assert.Throws<ArgumentException>(() => SyslogSenderFactory.Create(options));
        Assert.Contains("host: must not be empty", error.Message);
        Assert.Contains("port: must be between 1 and 65535, was 0", error.Message);
        Assert.Contains("reconnectMaxDelay: must be at least reconnectMinDelay", error.Message);
        Assert.Contains("udpMaxMessageSize: must be between 480 and 65507, was 100", error.Message);
        Assert.Contains("protocol: the tls* keys are set but protocol is Tcp", error.Message);
    }

    [Fact]
    public void Factory_reports_an_unreadable_ca_file_with_its_path()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "not a certificate");
            var options = new SyslogOutputOptions { Protocol = SyslogProtocol.Tls, TlsCaFile = path };
            var error = Assert.Throws<InvalidOperationException>(() => SyslogSenderFactory.Create(options));
            Assert.Equal($"syslog.tlsCaFile: no PEM certificate in {path}", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Destination_describes_transport_format_and_framing()
    {
        Assert.Equal("udp://10.0.0.5:514 (rfc3164)",
            SyslogSenderFactory.Create(new SyslogOutputOptions { Host = "10.0.0.5" }).Destination);
        Assert.Equal("tls://esm-conn:6514 (rfc5424, octet-counting)",
            SyslogSenderFactory.Create(new SyslogOutputOptions
            {
                Host = "esm-conn",
                Port = 6514,
                Protocol = SyslogProtocol.Tls,
                Format = SyslogMessageFormat.Rfc5424,
                Framing = SyslogFraming.OctetCounting,
            }).Destination);
    }

    private static ISyslogSender ToClosedPort(SyslogProtocol protocol, int port, TimeSpan reconnectMinDelay, TimeSpan reconnectMaxDelay) =>
        SyslogSenderFactory.Create(new SyslogOutputOptions
        {
            Protocol = protocol,
            Port = port,
            ReconnectMinDelay = reconnectMinDelay,
            ReconnectMaxDelay = reconnectMaxDelay,
        });
}
