using System.Net;
using System.Net.Sockets;
using Aeg.Syslog;

namespace Aeg.Tests.Syslog;

/// <summary><see cref="ISyslogSender.ProbeAsync"/>: what the poller asks a syslog destination while it is down.</summary>
public sealed class SyslogProbeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_closed_port_answers_false_without_counting_a_send_failure()
    {
        await using var sender = Tcp(FreePorts.Tcp(), TimeSpan.FromMinutes(5));

        Assert.False(await sender.ProbeAsync(CancellationToken.None));
        Assert.Equal(0, sender.Stats.SendFailures);
    }

    [Fact]
    public async Task A_destination_back_after_a_failure_takes_the_next_send_at_once_instead_of_after_the_backoff()
    {
        var port = FreePorts.Tcp();
        // The sender's own backoff after the failure below is 5 minutes: a send that waited it out would time out.
        await using var sender = Tcp(port, TimeSpan.FromMinutes(5));
        var message = SyslogTestMessages.Message(1, "cs1=probe");
        await Assert.ThrowsAsync<SyslogSendException>(() => sender.SendAsync(message, CancellationToken.None).AsTask());

        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        try
        {
            Assert.True(await sender.ProbeAsync(CancellationToken.None));
            using var peer = await listener.AcceptTcpClientAsync().WaitAsync(Timeout);
            await sender.SendAsync(message, CancellationToken.None).AsTask().WaitAsync(Timeout);
            await sender.FlushAsync(CancellationToken.None).AsTask().WaitAsync(Timeout);

            using var reader = new StreamReader(peer.GetStream());
            Assert.EndsWith("cs1=probe", await reader.ReadLineAsync().WaitAsync(Timeout));
            // The probe's connection is the one the send used, and it counts as the reconnect.
            Assert.Equal(1, sender.Stats.Reconnects);
            Assert.True(await sender.ProbeAsync(CancellationToken.None));
            Assert.False(listener.Pending());
        }
        finally
        {
            listener.Stop();
        }
    }

    [Fact]
    public async Task Udp_has_nothing_to_probe()
    {
        await using var sender = SyslogSenderFactory.Create(new SyslogOutputOptions { Port = FreePorts.Udp() });

        Assert.Null(await sender.ProbeAsync(CancellationToken.None));
    }

    private static TcpSyslogSender Tcp(int port, TimeSpan reconnectMinDelay) => new(new SyslogOutputOptions
    {
        Protocol = SyslogProtocol.Tcp,
        Port = port,
        ReconnectMinDelay = reconnectMinDelay,
        ReconnectMaxDelay = reconnectMinDelay,
    });
}
