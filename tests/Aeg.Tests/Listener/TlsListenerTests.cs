using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Aeg.Listener;
using Aeg.Syslog;

namespace Aeg.Tests.Listener;

/// <summary>TLS (RFC 5425) listener with certificates made at test time: frames, client certificates.</summary>
public sealed class TlsListenerTests : IDisposable
{
    private readonly TestCertificates _certs = new();

    public void Dispose() => _certs.Dispose();

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private ListenerOptions Tls(bool requireClientCert = false) => new()
    {
        Protocol = SyslogProtocol.Tls,
        TlsCertificateFile = _certs.ServerCertFile,
        TlsKeyFile = _certs.ServerKeyFile,
        TlsClientCaFile = requireClientCert ? _certs.CaFile : null,
        TlsRequireClientCertificate = requireClientCert,
    };

    private async Task<SslStream> ConnectAsync(TestListener listener, X509Certificate2? clientCert = null, SslProtocols protocols = SslProtocols.Tls12 | SslProtocols.Tls13)
    {
        var client = new TcpClient();
        await client.ConnectAsync(listener.EndPoint);
        var ssl = new SslStream(client.GetStream(), leaveInnerStreamOpen: false);
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = "127.0.0.1",
            EnabledSslProtocols = protocols,
            ClientCertificates = clientCert is null ? null : [clientCert],
            CertificateChainPolicy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck },
        };
        options.CertificateChainPolicy.CustomTrustStore.Add(_certs.Ca);
        await ssl.AuthenticateAsClientAsync(options);
        return ssl;
    }

    [Fact]
    public void An_empty_client_CA_file_is_refused_at_start_up_with_the_key_and_file()
    {
        // An empty trust store would refuse every client at handshake time, silently.
        var empty = Path.Combine(_certs.Directory, "empty-ca.pem");
        File.WriteAllText(empty, "");
        var options = Tls(requireClientCert: true);
        options.TlsClientCaFile = empty;

        var error = Assert.Throws<InvalidOperationException>(() => new ListenerHost(new ListenOptions { Listeners = [options] }, new RecordingHandler()));

        Assert.Contains("tlsClientCaFile: no PEM certificate in " + empty, error.Message);
        Assert.True(Aeg.Syslog.PemFiles.IsFileProblem(error.InnerException!));
    }

    [Fact]
    public void An_unreadable_server_certificate_names_the_key_and_file()
    {
        var options = Tls();
        options.TlsCertificateFile = Path.Combine(_certs.Directory, "missing.pem");

        var error = Assert.Throws<InvalidOperationException>(() => new ListenerHost(new ListenOptions { Listeners = [options] }, new RecordingHandler()));

        Assert.Contains("tlsCertificateFile: cannot load certificate " + options.TlsCertificateFile, error.Message);
    }

    [Fact]
    public async Task Frames_over_tls_arrive_byte_exact_in_both_framings()
    {
        await using var listener = await TestListener.StartAsync(Tls());
        var frames = TcpListenerTests.SampleFrames();
        await using (var lf = await ConnectAsync(listener))
        {
            Assert.True(lf.SslProtocol >= SslProtocols.Tls12);
            await lf.WriteAsync(frames.SelectMany(f => f.Concat(B("\n"))).ToArray());
        }

        await WaitUntil.HoldsAsync(() => listener.Handler.Count == frames.Length, "LF frames over TLS");
        await using (var octet = await ConnectAsync(listener))
        {
            await octet.WriteAsync(frames.SelectMany(f => B($"{f.Length} ").Concat(f)).ToArray());
        }

        await WaitUntil.HoldsAsync(() => listener.Handler.Count == 2 * frames.Length, "octet-counted frames over TLS");
        Assert.Equal([.. frames, .. frames], listener.Handler.Frames);
        Assert.Equal(0, listener.Counters.TlsHandshakeFailures);
    }

    [Fact]
    public async Task A_required_client_certificate_refuses_clients_without_one_and_accepts_a_valid_one()
    {
        await using var listener = await TestListener.StartAsync(Tls(requireClientCert: true));
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var anonymous = await ConnectAsync(listener);
            // With TLS 1.3 the server's verdict on the client certificate arrives after the client's handshake.
            await anonymous.WriteAsync(B("CEF:0|V|P|1|1|N|3|anonymous=1\n"));
            var read = await anonymous.ReadAsync(new byte[1]);
            if (read == 0)
            {
                throw new IOException("closed by the server");
            }
        });
        await WaitUntil.HoldsAsync(() => listener.Counters.TlsHandshakeFailures == 1, "one failed handshake");

        await using (var ssl = await ConnectAsync(listener, _certs.Client))
        {
            await ssl.WriteAsync(B("CEF:0|V|P|1|1|N|3|authenticated=1\n"));
        }

        await WaitUntil.HoldsAsync(() => listener.Handler.Count == 1, "the frame of the authenticated client");
        Assert.Equal("CEF:0|V|P|1|1|N|3|authenticated=1", Encoding.UTF8.GetString(listener.Handler.Frames[0]));
    }

    [Fact]
    public async Task With_tlsMinVersion_tls13_a_tls12_only_client_fails_the_handshake_and_a_tls13_client_is_served()
    {
        var options = Tls();
        options.TlsMinVersion = TlsMinimumVersion.Tls13;
        await using var listener = await TestListener.StartAsync(options);

        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var old = await ConnectAsync(listener, protocols: SslProtocols.Tls12);
        });
        await WaitUntil.HoldsAsync(() => listener.Counters.TlsHandshakeFailures == 1, "the TLS 1.2 handshake counted as failed");

        await using (var current = await ConnectAsync(listener, protocols: SslProtocols.Tls13))
        {
            Assert.Equal(SslProtocols.Tls13, current.SslProtocol);
            await current.WriteAsync(B("CEF:0|V|P|1|1|N|3|tls=1.3\n"));
        }
        await WaitUntil.HoldsAsync(() => listener.Handler.Count == 1, "the frame sent over TLS 1.3");
    }
}
