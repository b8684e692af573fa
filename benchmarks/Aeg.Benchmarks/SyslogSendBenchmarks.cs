using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Aeg.Syslog;
using BenchmarkDotNet.Attributes;

namespace Aeg.Benchmarks;

/// <summary>
/// Drain throughput of the syslog senders: <see cref="MessagesPerOperation"/> typical annotation
/// messages, then one flush, into a loopback listener that reads and discards.
/// </summary>
/// <remarks>Per-message figures: divide by nothing, OperationsPerInvoke already does.</remarks>
[MemoryDiagnoser]
public class SyslogSendBenchmarks
{
    private const int MessagesPerOperation = 100_000;

    private readonly byte[] _message = Encoding.UTF8.GetBytes(
        "<164>Nov 22 02:10:37 aeg01.soc.example CEF:0|HP|AEG|1.0|1|Annotation Event|3|shost=aeg01.soc.example duser=analyst1 " +
        "cs1=1,1539102087491,analyst1,Follow-Up,,,,\\n1,1539102000000,root,Queued,,,, cs1Label=audit_trail cs2=checked the host, " +
        "re-imaging cs2Label=current_comment cs3=Follow-Up cs3Label=stage cs4=Is Reviewed cs4Label=flag_labels " +
        "deviceCustomDate1=1539102087491 deviceCustomDate1Label=modification_time cn1=3 cn1Label=version cn2=123456789 cn2Label=event_id");

    private Socket? _listener;
    private Thread? _acceptLoop;
    private X509Certificate2? _serverCertificate;
    private ISyslogSender? _sender;

    /// <summary>Transport and framing: udp, tcp-lf, tcp-octet, tls-lf, tls-octet.</summary>
    [Params("udp", "tcp-lf", "tcp-octet", "tls-lf", "tls-octet")]
    public string Transport { get; set; } = "tcp-lf";

    [GlobalSetup]
    public void Setup()
    {
        var protocol = Transport switch
        {
            "udp" => SyslogProtocol.Udp,
            _ when Transport.StartsWith("tls", StringComparison.Ordinal) => SyslogProtocol.Tls,
            _ => SyslogProtocol.Tcp,
        };
        var port = protocol == SyslogProtocol.Udp ? StartUdpSink() : StartTcpSink(protocol == SyslogProtocol.Tls);
        _sender = SyslogSenderFactory.Create(new SyslogOutputOptions
        {
            Host = "127.0.0.1",
            Port = port,
            Protocol = protocol,
            Framing = Transport.EndsWith("octet", StringComparison.Ordinal) ? SyslogFraming.OctetCounting : SyslogFraming.Lf,
            TlsInsecureSkipVerify = protocol == SyslogProtocol.Tls, // throw-away self-signed certificate
        });
    }

    [Benchmark(OperationsPerInvoke = MessagesPerOperation)]
    public async Task SendAndFlush()
    {
        var sender = _sender!;
        for (var i = 0; i < MessagesPerOperation; i++)
            await sender.SendAsync(_message, CancellationToken.None);
        await sender.FlushAsync(CancellationToken.None);
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        if (_sender is not null)
            await _sender.DisposeAsync();
        _listener?.Dispose();
        _acceptLoop?.Join(TimeSpan.FromSeconds(5));
        _serverCertificate?.Dispose();
    }

    private int StartUdpSink()
    {
        // Bound and never read: the kernel drops what overflows, which is what a slow UDP receiver does.
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)_listener.LocalEndPoint!).Port;
    }

    private int StartTcpSink(bool tls)
    {
        if (tls)
            _serverCertificate = CreateServerCertificate();
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        _listener = listener;
        _acceptLoop = new Thread(() => AcceptAndDiscard(listener)) { IsBackground = true, Name = "syslog sink" };
        _acceptLoop.Start();
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }

    private void AcceptAndDiscard(Socket listener)
    {
        while (true)
        {
            Socket client;
            try
            {
                client = listener.Accept();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }

            new Thread(() => Discard(client)) { IsBackground = true, Name = "syslog sink reader" }.Start();
        }
    }

    private void Discard(Socket client)
    {
        var buffer = new byte[256 * 1024];
        try
        {
            using Stream stream = _serverCertificate is null
                ? new NetworkStream(client, ownsSocket: true)
                : Authenticate(new NetworkStream(client, ownsSocket: true));
            while (stream.Read(buffer) > 0)
            {
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            // The sender went away; nothing to report in a sink.
        }
    }

    private SslStream Authenticate(Stream inner)
    {
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false);
        ssl.AuthenticateAsServer(_serverCertificate!, clientCertificateRequired: false, checkCertificateRevocation: false);
        return ssl;
    }

    private static X509Certificate2 CreateServerCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        // Round-trip through PKCS#12 so the key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }
}
