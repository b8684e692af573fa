using Aeg.Configuration;
using Aeg.Listener;
using Aeg.Syslog;
using Aeg.Tests.Configuration;

namespace Aeg.Tests.Listener;

/// <summary>The <c>listen:</c> config section: YAML keys, defaults, and validation with key paths.</summary>
public sealed class ListenOptionsTests : IDisposable
{
    private readonly ConfigFolder _config = new("aeg-listen-");

    public void Dispose() => _config.Dispose();

    [Fact]
    public void Listeners_load_with_defaults_and_relative_tls_paths_resolved()
    {
        File.WriteAllText(_config.File("server.pem"), "x");
        var o = _config.Load("""
            listen:
              maxSenders: 50
              listeners:
                - protocol: udp
                - protocol: tls
                  tlsCertificateFile: server.pem
                  allow: [10.0.0.0/8, 192.0.2.7]
            """);

        var udp = o.Listen.Listeners[0];
        Assert.Equal(SyslogProtocol.Udp, udp.Protocol);
        Assert.Equal("0.0.0.0", udp.Address);
        Assert.Equal(514, udp.EffectivePort);
        Assert.Equal(65536, udp.MaxFrameSize);
        var tls = o.Listen.Listeners[1];
        Assert.Equal(6514, tls.EffectivePort);
        Assert.Equal(_config.File("server.pem"), tls.TlsCertificateFile);
        Assert.Equal(["10.0.0.0/8", "192.0.2.7"], tls.Allow);
        Assert.Equal(50, o.Listen.MaxSenders);
    }

    [Fact]
    public void Bad_listener_values_are_reported_with_their_keys()
    {
        var problems = _config.Problems("""
            listen:
              listeners:
                - protocol: tcp
                  address: everywhere
                  port: 70000
                  maxFrameSize: 0
                  allow: [10.0.0.0/33]
                - protocol: tls
                - protocol: udp
                  maxFrameSize: 100000
                  tlsRequireClientCertificate: true
            """);

        ConfigFolder.AssertKeys(problems,
            "listen.listeners[0].address", "listen.listeners[0].port", "listen.listeners[0].maxFrameSize", "listen.listeners[0].allow[0]",
            "listen.listeners[1].tlsCertificateFile", "listen.listeners[2].maxFrameSize", "listen.listeners[2].protocol");
    }

    [Fact]
    public void Two_listeners_on_the_same_port_and_transport_are_refused()
    {
        var problems = new ListenOptions { Listeners = [new() { Port = 1514 }, new() { Port = 1514, Protocol = SyslogProtocol.Udp }, new() { Port = 1514 }] }.Validate("listen").ToList();
        Assert.Equal(["listen.listeners[2].port"], problems.Select(p => p.Key));
    }

    [Fact]
    public void The_documented_rate_defaults_are_the_ones_in_effect()
    {
        var row = File.ReadLines(TestServices.RepoFile("docs/configuration.md")).Single(l => l.StartsWith("| `senderMessagesPerSecond` |", StringComparison.Ordinal));
        var documented = row.Split('|')[2];
        var udp = new ListenerOptions { Protocol = SyslogProtocol.Udp }.EffectiveSenderMessagesPerSecond;
        var tcp = new ListenerOptions { Protocol = SyslogProtocol.Tcp }.EffectiveSenderMessagesPerSecond;
        var tls = new ListenerOptions { Protocol = SyslogProtocol.Tls }.EffectiveSenderMessagesPerSecond;

        Assert.Equal($" `{udp}` for udp, `{tcp}` (no limit) for tcp/tls ", documented);
        Assert.Equal(tcp, tls);
        // The bar of issue 19: one connector's catch-up burst over TCP is never cut by the default.
        Assert.Equal(0, tcp);
        var burst = File.ReadLines(TestServices.RepoFile("docs/configuration.md")).Single(l => l.StartsWith("| `senderBurst` |", StringComparison.Ordinal));
        Assert.Equal($" `{new ListenerOptions().SenderBurst}` ", burst.Split('|')[2]);
    }
}
