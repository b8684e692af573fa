using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Aeg.Syslog;

namespace Aeg.IntegrationTests.Infrastructure;

/// <summary>
/// A real syslog-ng (Debian syslog-ng-core) listening on 127.0.0.1, writing every message it
/// receives, byte for byte, as one line of <see cref="OutputFile"/>.
/// </summary>
/// <remarks>
/// <para>Typical use:</para>
/// <code>
/// await using var receiver = await SyslogNgReceiver.StartAsync();
/// await using var sender = SyslogSenderFactory.Create(receiver.OptionsFor(SyslogProtocol.Tcp, SyslogFraming.Lf));
/// await sender.SendAsync(message, ct); await sender.FlushAsync(ct);
/// var lines = await receiver.WaitForLinesAsync(1, TimeSpan.FromSeconds(10));
/// </code>
/// <para>
/// One process serves every transport on its own port: UDP, TCP with LF framing
/// (<c>network()</c> driver), TCP with RFC 6587 octet counting (<c>syslog()</c> driver; it does not
/// accept LF framing), and the same two framings over TLS, plus a TLS port that requires a client
/// certificate signed by <see cref="CaCertFile"/>. The server certificate is issued at start-up by a
/// throw-away CA (<see cref="CaCertFile"/>) for <c>localhost</c> and <c>127.0.0.1</c>.
/// </para>
/// <para>
/// Lines are written with <c>template("${RAWMSG}\n")</c> and <c>flags(store-raw-message)</c>:
/// exactly the bytes of the message as sent (syslog header included, framing removed), so a line
/// can be compared byte-exactly or parsed with <c>CefReader</c>. All files (config, keys, pid,
/// persist file, control socket, output) live in one temp directory deleted on dispose.
/// Each instance is independent, so tests using their own receiver can run in parallel.
/// </para>
/// </remarks>
public sealed class SyslogNgReceiver : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    private readonly string _directory;
    private readonly StringBuilder _processOutput = new();
    private Process? _process;

    private SyslogNgReceiver(string directory)
    {
        _directory = directory;
        OutputFile = Path.Combine(directory, "received.log");
        CaCertFile = Path.Combine(directory, "ca.pem");
        ClientCertFile = Path.Combine(directory, "client.pem");
        ClientKeyFile = Path.Combine(directory, "client-key.pem");
    }

    /// <summary>UDP port (one message per datagram).</summary>
    public int UdpPort { get; private set; }

    /// <summary>TCP port, LF framing.</summary>
    public int TcpLfPort { get; private set; }

    /// <summary>TCP port, RFC 6587 octet-counting framing.</summary>
    public int TcpOctetCountingPort { get; private set; }

    /// <summary>TLS port, LF framing; no client certificate asked.</summary>
    public int TlsLfPort { get; private set; }

    /// <summary>TLS port, octet-counting framing; no client certificate asked.</summary>
    public int TlsOctetCountingPort { get; private set; }

    /// <summary>TLS port, LF framing, that refuses clients without a certificate signed by <see cref="CaCertFile"/>.</summary>
    public int TlsMutualPort { get; private set; }

    /// <summary>Where received messages land, one per line.</summary>
    public string OutputFile { get; }

    /// <summary>PEM of the CA that signed the server certificate (use as <c>TlsCaFile</c>) and the client certificate.</summary>
    public string CaCertFile { get; }

    /// <summary>PEM client certificate accepted by <see cref="TlsMutualPort"/>.</summary>
    public string ClientCertFile { get; }

    /// <summary>PEM (PKCS#8) key of <see cref="ClientCertFile"/>.</summary>
    public string ClientKeyFile { get; }

    /// <summary>True while the syslog-ng process runs.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Writes keys and config to a new temp directory, starts syslog-ng and waits until every port listens.</summary>
    public static async Task<SyslogNgReceiver> StartAsync(CancellationToken cancellationToken = default)
    {
        var directory = Path.Combine(Path.GetTempPath(), "aeg-syslog-ng-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        var receiver = new SyslogNgReceiver(directory);
        try
        {
            receiver.WriteCertificates();
            // A free port found by binding port 0 can be taken before syslog-ng binds it: retry with new ports.
            for (var attempt = 1; ; attempt++)
            {
                receiver.PickPorts();
                receiver.WriteConfig();
                try
                {
                    await receiver.RunAsync(cancellationToken);
                    return receiver;
                }
                catch (SyslogNgStartException e) when (attempt < 3 && e.Message.Contains("Address already in use"))
                {
                    receiver.KillProcess();
                }
            }
        }
        catch
        {
            await receiver.DisposeAsync();
            throw;
        }
    }

    /// <summary>Options for an Aeg sender aimed at this receiver (TLS: trusts <see cref="CaCertFile"/>, server name localhost).</summary>
    public SyslogOutputOptions OptionsFor(SyslogProtocol protocol, SyslogFraming framing = SyslogFraming.Lf) => new()
    {
        Host = "127.0.0.1",
        Port = PortFor(protocol, framing),
        Protocol = protocol,
        Framing = framing,
        TlsCaFile = protocol == SyslogProtocol.Tls ? CaCertFile : null,
        TlsServerName = protocol == SyslogProtocol.Tls ? "localhost" : null,
        ReconnectMinDelay = TimeSpan.FromMilliseconds(20),
        ReconnectMaxDelay = TimeSpan.FromMilliseconds(200),
        ConnectTimeout = TimeSpan.FromSeconds(5),
    };

    /// <summary>The port that serves this transport and framing (framing is ignored for UDP).</summary>
    public int PortFor(SyslogProtocol protocol, SyslogFraming framing) => (protocol, framing) switch
    {
        (SyslogProtocol.Udp, _) => UdpPort,
        (SyslogProtocol.Tcp, SyslogFraming.Lf) => TcpLfPort,
        (SyslogProtocol.Tcp, SyslogFraming.OctetCounting) => TcpOctetCountingPort,
        (SyslogProtocol.Tls, SyslogFraming.Lf) => TlsLfPort,
        (SyslogProtocol.Tls, SyslogFraming.OctetCounting) => TlsOctetCountingPort,
        _ => throw new ArgumentOutOfRangeException(nameof(protocol)),
    };

    /// <summary>
    /// Waits until the output file holds at least <paramref name="count"/> complete lines and returns
    /// all of them (UTF-8 decoded, without the LF); throws <see cref="TimeoutException"/> naming how
    /// many arrived. Assert on the returned count to check that no extra line arrived.
    /// </summary>
    public async Task<IReadOnlyList<string>> WaitForLinesAsync(int count, TimeSpan timeout)
    {
        var lines = await WaitForLineBytesAsync(count, timeout);
        return lines.Select(line => Encoding.UTF8.GetString(line)).ToList();
    }

    /// <summary>Like <see cref="WaitForLinesAsync"/> but returns each line's raw bytes, for byte-exact checks.</summary>
    public async Task<IReadOnlyList<byte[]>> WaitForLineBytesAsync(int count, TimeSpan timeout)
    {
        IReadOnlyList<byte[]> lines = [];
        await WaitUntil.HoldsAsync(() => (lines = ReadLineBytes()).Count >= count, $"syslog-ng to write {count} lines", timeout,
            () => $"it wrote {lines.Count}; last line: {Truncate(lines.Count > 0 ? Encoding.UTF8.GetString(lines[^1]) : "(none)")}; syslog-ng output: {ProcessOutput()}");
        return lines;
    }

    /// <summary>The complete lines received so far (raw bytes, without the LF).</summary>
    public IReadOnlyList<byte[]> ReadLineBytes()
    {
        byte[] content;
        try
        {
            using var file = new FileStream(OutputFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            file.CopyTo(copy);
            content = copy.ToArray();
        }
        catch (FileNotFoundException)
        {
            return [];
        }

        var lines = new List<byte[]>();
        var rest = content.AsSpan();
        int lf;
        while ((lf = rest.IndexOf((byte)'\n')) >= 0)
        {
            lines.Add(rest[..lf].ToArray());
            rest = rest[(lf + 1)..];
        }

        return lines;
    }

    /// <summary>Kills syslog-ng (like a crash or restart of the receiver); ports and files stay, so <see cref="RestartAsync"/> can bring it back.</summary>
    public async Task StopAsync()
    {
        if (_process is null)
            return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        _process = null;
    }

    /// <summary>Starts syslog-ng again on the same ports and output file, and waits until it listens.</summary>
    public Task RestartAsync(CancellationToken cancellationToken = default) => RunAsync(cancellationToken);

    /// <summary>Kills syslog-ng and deletes the temp directory.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a dying process: the OS temp cleaner will take it.
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("syslog-ng")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
                 {
                     "-F", "--no-caps", "--stderr",
                     "-f", Path.Combine(_directory, "syslog-ng.conf"),
                     "--persist-file", Path.Combine(_directory, "syslog-ng.persist"),
                     "--pidfile", Path.Combine(_directory, "syslog-ng.pid"),
                     "--control", Path.Combine(_directory, "syslog-ng.ctl"),
                 })
        {
            start.ArgumentList.Add(argument);
        }

        lock (_processOutput)
            _processOutput.Clear();
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new SyslogNgStartException("syslog-ng did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new SyslogNgStartException($"cannot run syslog-ng ({e.Message}); install the Debian package syslog-ng-core (./aeg.sh test does)");
        }

        process.OutputDataReceived += (_, e) => AppendOutput(e.Data);
        process.ErrorDataReceived += (_, e) => AppendOutput(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        try
        {
            await WaitUntil.HoldsAsync(async () => process.HasExited || await AllPortsListenAsync(cancellationToken), "syslog-ng to listen on all ports", StartTimeout);
        }
        catch (TimeoutException e)
        {
            throw new SyslogNgStartException($"{e.Message}: {ProcessOutput()}");
        }
        if (process.HasExited)
            throw new SyslogNgStartException($"syslog-ng exited with code {process.ExitCode}: {ProcessOutput()}");
    }

    private async Task<bool> AllPortsListenAsync(CancellationToken cancellationToken)
    {
        foreach (var port in new[] { TcpLfPort, TcpOctetCountingPort, TlsLfPort, TlsOctetCountingPort, TlsMutualPort })
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await probe.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
            }
            catch (SocketException)
            {
                return false;
            }
        }

        // A UDP socket cannot be probed by connecting; it is bound once our own bind is refused.
        return !CanBind(SocketType.Dgram, UdpPort);
    }

    private void PickPorts()
    {
        // Hold every probe socket until all are bound so no two sources get the same port.
        var held = new List<Socket>();
        try
        {
            UdpPort = FreePort(SocketType.Dgram, held);
            TcpLfPort = FreePort(SocketType.Stream, held);
            TcpOctetCountingPort = FreePort(SocketType.Stream, held);
            TlsLfPort = FreePort(SocketType.Stream, held);
            TlsOctetCountingPort = FreePort(SocketType.Stream, held);
            TlsMutualPort = FreePort(SocketType.Stream, held);
        }
        finally
        {
            held.ForEach(socket => socket.Dispose());
        }
    }

    private static int FreePort(SocketType type, List<Socket> held)
    {
        var socket = new Socket(AddressFamily.InterNetwork, type, type == SocketType.Dgram ? ProtocolType.Udp : ProtocolType.Tcp);
        held.Add(socket);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private static bool CanBind(SocketType type, int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, type, type == SocketType.Dgram ? ProtocolType.Udp : ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private void WriteConfig()
    {
        var key = Path.Combine(_directory, "server-key.pem");
        var cert = Path.Combine(_directory, "server.pem");
        var tls = $"""tls(key-file("{key}") cert-file("{cert}") peer-verify(optional-untrusted))""";
        var mutualTls = $"""tls(key-file("{key}") cert-file("{cert}") ca-file("{CaCertFile}") peer-verify(required-trusted))""";
        const string common = """flags(store-raw-message) max-connections(200) log-iw-size(20000)""";
        var config = $$"""
            @version: 3.38
            options { log-msg-size(262144); keep-hostname(yes); stats-freq(0); };
            source s_udp { network(ip("127.0.0.1") port({{UdpPort}}) transport("udp") flags(store-raw-message) so-rcvbuf(4194304)); };
            source s_tcp_lf { network(ip("127.0.0.1") port({{TcpLfPort}}) transport("tcp") {{common}}); };
            source s_tcp_octet { syslog(ip("127.0.0.1") port({{TcpOctetCountingPort}}) transport("tcp") {{common}}); };
            source s_tls_lf { network(ip("127.0.0.1") port({{TlsLfPort}}) transport("tls") {{tls}} {{common}}); };
            source s_tls_octet { syslog(ip("127.0.0.1") port({{TlsOctetCountingPort}}) transport("tls") {{tls}} {{common}}); };
            source s_tls_mutual { network(ip("127.0.0.1") port({{TlsMutualPort}}) transport("tls") {{mutualTls}} {{common}}); };
            destination d_file { file("{{OutputFile}}" template("${RAWMSG}\n")); };
            log {
                source(s_udp); source(s_tcp_lf); source(s_tcp_octet);
                source(s_tls_lf); source(s_tls_octet); source(s_tls_mutual);
                destination(d_file);
            };

            """;
        File.WriteAllText(Path.Combine(_directory, "syslog-ng.conf"), config);
    }

    private void WriteCertificates()
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Aeg test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(2));
        File.WriteAllText(CaCertFile, ca.ExportCertificatePem());

        IssueLeaf(ca, now, "CN=localhost", "1.3.6.1.5.5.7.3.1", Path.Combine(_directory, "server.pem"), Path.Combine(_directory, "server-key.pem"));
        IssueLeaf(ca, now, "CN=aeg-test-client", "1.3.6.1.5.5.7.3.2", ClientCertFile, ClientKeyFile);
    }

    private static void IssueLeaf(X509Certificate2 ca, DateTimeOffset now, string subject, string usageOid, string certFile, string keyFile)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usageOid)], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        using var leaf = request.Create(ca, now.AddDays(-1), now.AddDays(1), RandomNumberGenerator.GetBytes(8));
        File.WriteAllText(certFile, leaf.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
    }

    private void KillProcess()
    {
        if (_process is { HasExited: false })
            _process.Kill(entireProcessTree: true);
        _process?.Dispose();
        _process = null;
    }

    private void AppendOutput(string? line)
    {
        if (line is null)
            return;
        lock (_processOutput)
        {
            if (_processOutput.Length < 16_000)
                _processOutput.AppendLine(line);
        }
    }

    private string ProcessOutput()
    {
        lock (_processOutput)
            return _processOutput.Length == 0 ? "(nothing)" : _processOutput.ToString();
    }

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "…";

    private sealed class SyslogNgStartException(string message) : Exception(message);
}
