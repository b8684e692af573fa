using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Aeg.Listener;

namespace Aeg.TestKit;

/// <summary>Keeps a copy of every frame it is handed, with the sender's address.</summary>
internal sealed class RecordingHandler : ICefMessageHandler
{
    private readonly ConcurrentQueue<(string Sender, byte[] Frame)> _frames = new();

    public int Count => _frames.Count;

    public IReadOnlyList<byte[]> Frames => [.. _frames.Select(f => f.Frame)];

    public IReadOnlyList<string> Senders => [.. _frames.Select(f => f.Sender)];

    public void Handle(ReadOnlySpan<byte> frame, SenderCounters sender) => _frames.Enqueue((sender.Address, frame.ToArray()));
}

/// <summary>Listeners on 127.0.0.1 with a free port, started and stopped around a test.</summary>
internal sealed class TestListener : IAsyncDisposable
{
    private TestListener(ListenerHost host, RecordingHandler handler)
    {
        Host = host;
        Handler = handler;
    }

    public ListenerHost Host { get; }
    public RecordingHandler Handler { get; }
    public ISyslogListener Listener => Host.Listeners[0];
    public IPEndPoint EndPoint => Listener.LocalEndPoint!;
    public ListenerCounters Counters => Listener.Counters;

    public static async Task<TestListener> StartAsync(ListenerOptions options)
    {
        options.Address = "127.0.0.1";
        options.Port ??= 0;
        var handler = new RecordingHandler();
        var host = new ListenerHost(new ListenOptions { Listeners = [options], StopDrainTimeout = TimeSpan.FromSeconds(2) }, handler);
        await host.StartAsync();
        return new TestListener(host, handler);
    }

    public async Task<TcpClient> ConnectAsync()
    {
        var client = new TcpClient();
        await client.ConnectAsync(EndPoint);
        return client;
    }

    public async ValueTask DisposeAsync() => await Host.StopAsync();
}

/// <summary>A throw-away CA, server and client certificate as PEM files, made with CertificateRequest.</summary>
internal sealed class TestCertificates : IDisposable
{
    public TestCertificates()
    {
        Directory = Path.Combine(Path.GetTempPath(), "aeg-tls-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(Directory);
        var now = DateTimeOffset.UtcNow;

        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Aeg Test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        Ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
        CaFile = Write("ca.pem", Ca.ExportCertificatePem());

        (ServerCertFile, ServerKeyFile, _) = Issue("server", "CN=127.0.0.1", serverAuth: true, now);
        (ClientCertFile, ClientKeyFile, Client) = Issue("client", "CN=sender.test", serverAuth: false, now);
    }

    public string Directory { get; }
    public X509Certificate2 Ca { get; }
    public X509Certificate2 Client { get; }
    public string CaFile { get; }
    public string ServerCertFile { get; }
    public string ServerKeyFile { get; }
    public string ClientCertFile { get; }
    public string ClientKeyFile { get; }

    private (string Cert, string Key, X509Certificate2 WithKey) Issue(string name, string subject, bool serverAuth, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(serverAuth ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        if (serverAuth)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(IPAddress.Loopback);
            san.AddDnsName("localhost");
            request.CertificateExtensions.Add(san.Build());
        }

        var serial = RandomNumberGenerator.GetBytes(8);
        using var cert = request.Create(Ca, now.AddMinutes(-5), now.AddHours(12), serial);
        var certFile = Write($"{name}.pem", cert.ExportCertificatePem());
        var keyFile = Write($"{name}.key", key.ExportPkcs8PrivateKeyPem());
        return (certFile, keyFile, X509Certificate2.CreateFromPemFile(certFile, keyFile));
    }

    private string Write(string name, string pem)
    {
        var path = Path.Combine(Directory, name);
        File.WriteAllText(path, pem);
        return path;
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
