using System.Net;
using System.Net.Sockets;
using Aeg.IntegrationTests.Infrastructure;
using Aeg.Syslog;
using static Aeg.TestKit.SyslogTestMessages;

namespace Aeg.IntegrationTests.Syslog;

public sealed class SyslogSenderTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData(SyslogProtocol.Udp, SyslogFraming.Lf)]
    [InlineData(SyslogProtocol.Tcp, SyslogFraming.Lf)]
    [InlineData(SyslogProtocol.Tcp, SyslogFraming.OctetCounting)]
    [InlineData(SyslogProtocol.Tls, SyslogFraming.Lf)]
    [InlineData(SyslogProtocol.Tls, SyslogFraming.OctetCounting)]
    public async Task Receiver_writes_exactly_the_sent_messages(SyslogProtocol protocol, SyslogFraming framing)
    {
        await using var receiver = await SyslogNgReceiver.StartAsync();
        var messages = SyslogTestMessages.Mixed(40);

        var sender = SyslogSenderFactory.Create(receiver.OptionsFor(protocol, framing));
        await using (sender)
        {
            foreach (var message in messages)
                await sender.SendAsync(message, CancellationToken.None);
            await sender.FlushAsync(CancellationToken.None);

            var lines = await receiver.WaitForLineBytesAsync(messages.Count, Timeout);
            Assert.Equal(messages.Count, lines.Count);
            for (var i = 0; i < messages.Count; i++)
                Assert.Equal(messages[i], lines[i]);

            Assert.Equal(messages.Count, sender.Stats.MessagesSent);
            Assert.Equal(messages.Sum(m => FrameLength(m, protocol, framing)), sender.Stats.BytesSent);
            Assert.Equal(0, sender.Stats.SendFailures);
            Assert.Equal(0, sender.Stats.Reconnects);
        }
    }

    [Theory]
    [InlineData(SyslogFraming.Lf)]
    [InlineData(SyslogFraming.OctetCounting)]
    public async Task Tcp_delivers_many_messages_across_buffer_boundaries_and_one_larger_than_the_buffer(SyslogFraming framing)
    {
        await using var receiver = await SyslogNgReceiver.StartAsync();
        var messages = Enumerable.Range(0, 20_000).Select(i => SyslogTestMessages.Message(i, $"cs1=row {i}")).ToList();
        messages.Insert(10_000, SyslogTestMessages.OfLength(-1, 100_000));

        await using (var sender = SyslogSenderFactory.Create(receiver.OptionsFor(SyslogProtocol.Tcp, framing)))
        {
            foreach (var message in messages)
                await sender.SendAsync(message, CancellationToken.None);
            await sender.FlushAsync(CancellationToken.None);
            Assert.Equal(messages.Count, sender.Stats.MessagesSent);
        }

        var lines = await receiver.WaitForLineBytesAsync(messages.Count, Timeout);
        Assert.Equal(messages.Count, lines.Count);
        for (var i = 0; i < messages.Count; i++)
            Assert.True(messages[i].AsSpan().SequenceEqual(lines[i]), $"line {i} differs");
    }

    [Fact]
    public async Task Dispose_writes_what_is_still_buffered()
    {
        await using var receiver = await SyslogNgReceiver.StartAsync();
        var message = SyslogTestMessages.Message(1, "cs1=sent without flush");

        var sender = SyslogSenderFactory.Create(receiver.OptionsFor(SyslogProtocol.Tcp, SyslogFraming.OctetCounting));
        await sender.SendAsync(message, CancellationToken.None);
        await sender.DisposeAsync();

        var lines = await receiver.WaitForLineBytesAsync(1, Timeout);
        Assert.Equal(message, Assert.Single(lines));
    }

    [Fact]
    public async Task Lf_framing_refuses_a_message_containing_a_line_feed_without_corrupting_the_stream()
    {
        await using var receiver = await SyslogNgReceiver.StartAsync();
        var bad = SyslogTestMessages.Message(1, "cs1=first line\nsecond line");
        var good = SyslogTestMessages.Message(2, "cs1=fine");

        await using var sender = SyslogSenderFactory.Create(receiver.OptionsFor(SyslogProtocol.Tcp, SyslogFraming.Lf));
        var error = await Assert.ThrowsAsync<ArgumentException>(() => sender.SendAsync(bad, CancellationToken.None).AsTask());
        Assert.Contains("line feed", error.Message);
        await sender.SendAsync(good, CancellationToken.None);
        await sender.FlushAsync(CancellationToken.None);

        var lines = await receiver.WaitForLineBytesAsync(1, Timeout);
        Assert.Equal(good, Assert.Single(lines));
        Assert.Equal(1, sender.Stats.MessagesSent);
    }

    [Fact]
    public async Task Octet_counting_carries_a_message_with_a_line_feed_as_one_message()
    {
        await using var receiver = await SyslogNgReceiver.StartAsync();
        var message = SyslogTestMessages.Message(1, "cs1=first line\nsecond line");

        await using var sender = SyslogSenderFactory.Create(receiver.OptionsFor(SyslogProtocol.Tcp, SyslogFraming.OctetCounting));
        await sender.SendAsync(message, CancellationToken.None);
        await sender.FlushAsync(CancellationToken.None);

        // The receiver's file shows the embedded LF as a line break: two lines for one message.
        var lines = await receiver.WaitForLineBytesAsync(2, Timeout);
        Assert.Equal(message, lines[0].Concat("\n"u8.ToArray()).Concat(lines[1]).ToArray());
        Assert.Equal(1, sender.Stats.MessagesSent);
    }

    [Fact]
    public async Task Udp_refuses_a_message_over_the_maximum_and_sends_one_at_the_maximum()
    {
        await using var receiver = await SyslogNgReceiver.StartAsync();
        var options = receiver.OptionsFor(SyslogProtocol.Udp);
        options.UdpMaxMessageSize = 5000;
        var atLimit = SyslogTestMessages.OfLength(1, 5000);
        var overLimit = SyslogTestMessages.OfLength(2, 5001);

        await using var sender = SyslogSenderFactory.Create(options);
        var error = await Assert.ThrowsAsync<ArgumentException>(() => sender.SendAsync(overLimit, CancellationToken.None).AsTask());
        Assert.Contains("5001 bytes exceeds udpMaxMessageSize (5000)", error.Message);
        await sender.SendAsync(atLimit, CancellationToken.None);

        var lines = await receiver.WaitForLineBytesAsync(1, Timeout);
        Assert.Equal(atLimit, Assert.Single(lines));
        Assert.Equal(1, sender.Stats.MessagesSent);
    }

    [Theory]
    [InlineData(SyslogProtocol.Tcp)]
    [InlineData(SyslogProtocol.Tls)]
    public async Task Send_fails_while_the_receiver_is_down_and_succeeds_after_it_is_back(SyslogProtocol protocol)
    {
        await using var receiver = await SyslogNgReceiver.StartAsync();
        await using var sender = SyslogSenderFactory.Create(receiver.OptionsFor(protocol, SyslogFraming.OctetCounting));
        await SendAndFlushAsync(sender, SyslogTestMessages.Message(0, "cs1=before"));
        await receiver.WaitForLinesAsync(1, Timeout);

        await receiver.StopAsync();
        // The sender learns of the dead peer asynchronously (FIN/RST); a send or flush fails soon after.
        var failure = await SendUntilFailureAsync(sender, Timeout);
        Assert.Contains(sender.Destination, failure.Message);
        var refused = await Assert.ThrowsAsync<SyslogSendException>(
            () => SendAndFlushAsync(sender, SyslogTestMessages.Message(2, "cs1=still down")));
        Assert.Contains("ConnectionRefused", refused.Message);
        Assert.True(sender.Stats.SendFailures >= 2);
        Assert.Equal(0, sender.Stats.Reconnects);

        await receiver.RestartAsync();
        var after = SyslogTestMessages.Message(3, "cs1=after restart");
        await SendAndFlushAsync(sender, after);

        Assert.Equal(1, sender.Stats.Reconnects);
        await WaitUntil.HoldsAsync(() => receiver.ReadLineBytes().Any(line => line.AsSpan().SequenceEqual(after)), "message after restart", Timeout);
    }

    [Fact]
    public async Task A_connection_the_receiver_closed_while_idle_is_replaced_without_a_failure()
    {
        await using var receiver = await SyslogNgReceiver.StartAsync();
        await using var sender = new TcpSyslogSender(receiver.OptionsFor(SyslogProtocol.Tcp, SyslogFraming.Lf));
        await SendAndFlushAsync(sender, SyslogTestMessages.Message(1, "cs1=first batch"));
        await receiver.WaitForLinesAsync(1, Timeout);

        await receiver.StopAsync();
        await WaitUntil.HoldsAsync(() => !sender.IsConnected, "the sender to notice the closed connection", Timeout);
        await receiver.RestartAsync();
        var second = SyslogTestMessages.Message(2, "cs1=second batch");
        await SendAndFlushAsync(sender, second);

        await WaitUntil.HoldsAsync(() => receiver.ReadLineBytes().Any(line => line.AsSpan().SequenceEqual(second)), "second batch", Timeout);
        Assert.Equal(0, sender.Stats.SendFailures);
        Assert.Equal(1, sender.Stats.Reconnects);
    }

    [Fact]
    public async Task Tls_refuses_an_untrusted_server_and_accepts_it_with_its_ca_file()
    {
        await using var receiver = await SyslogNgReceiver.StartAsync();
        var message = SyslogTestMessages.Message(1, "cs1=tls");

        var untrusting = receiver.OptionsFor(SyslogProtocol.Tls);
        untrusting.TlsCaFile = null; // system store: does not know the test CA
        await using (var sender = SyslogSenderFactory.Create(untrusting))
        {
            var error = await Assert.ThrowsAsync<SyslogSendException>(() => sender.SendAsync(message, CancellationToken.None).AsTask());
            Assert.Contains("TLS handshake failed", error.Message);
            Assert.Contains("errors in the certificate chain", error.Message);
            Assert.Contains("tlsCaFile", error.Message);
            Assert.Equal(0, sender.Stats.MessagesSent);
        }

        await using (var sender = SyslogSenderFactory.Create(receiver.OptionsFor(SyslogProtocol.Tls)))
        {
            await SendAndFlushAsync(sender, message);
        }

        var lines = await receiver.WaitForLineBytesAsync(1, Timeout);
        Assert.Equal(message, Assert.Single(lines));
    }

    [Fact]
    public async Task Tls_refuses_a_server_whose_certificate_does_not_name_the_expected_host()
    {
        await using var receiver = await SyslogNgReceiver.StartAsync();
        var options = receiver.OptionsFor(SyslogProtocol.Tls);
        options.TlsServerName = "esm-connector.example";

        await using var sender = SyslogSenderFactory.Create(options);
        var error = await Assert.ThrowsAsync<SyslogSendException>(
            () => sender.SendAsync(SyslogTestMessages.Message(1, "cs1=x"), CancellationToken.None).AsTask());
        Assert.Contains("RemoteCertificateNameMismatch", error.Message);
        Assert.Contains("tlsServerName", error.Message);
    }

    [Fact]
    public async Task Tls_insecure_skip_verify_accepts_an_untrusted_server()
    {
        await using var receiver = await SyslogNgReceiver.StartAsync();
        var options = receiver.OptionsFor(SyslogProtocol.Tls);
        options.TlsCaFile = null;
        options.TlsInsecureSkipVerify = true;
        var message = SyslogTestMessages.Message(1, "cs1=insecure");

        await using (var sender = SyslogSenderFactory.Create(options))
            await SendAndFlushAsync(sender, message);

        Assert.Equal(message, Assert.Single(await receiver.WaitForLineBytesAsync(1, Timeout)));
    }

    [Fact]
    public async Task Mutual_tls_delivers_with_the_client_certificate_and_fails_without_it()
    {
        await using var receiver = await SyslogNgReceiver.StartAsync();
        var options = receiver.OptionsFor(SyslogProtocol.Tls);
        options.Port = receiver.TlsMutualPort;
        var message = SyslogTestMessages.Message(1, "cs1=mutual");

        await using (var anonymous = SyslogSenderFactory.Create(options))
            await SendUntilFailureAsync(anonymous, Timeout);

        options.TlsClientCertFile = receiver.ClientCertFile;
        options.TlsClientKeyFile = receiver.ClientKeyFile;
        await using (var sender = SyslogSenderFactory.Create(options))
            await SendAndFlushAsync(sender, message);

        Assert.Equal(message, Assert.Single(await receiver.WaitForLineBytesAsync(1, Timeout)));
    }

    private static long FrameLength(byte[] message, SyslogProtocol protocol, SyslogFraming framing) =>
        protocol == SyslogProtocol.Udp ? message.Length
        : framing == SyslogFraming.Lf ? message.Length + 1
        : message.Length.ToString().Length + 1 + message.Length;
}
