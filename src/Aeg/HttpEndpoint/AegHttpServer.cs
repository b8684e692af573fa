using System.Net;
using System.Security.Cryptography;
using System.Text;
using Aeg.Configuration;
using Aeg.Health;
using Aeg.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Serilog;

namespace Aeg.HttpEndpoint;

/// <summary>
/// Serves <c>/metrics</c> (Prometheus text), <c>/healthz</c> (200 while the process serves) and
/// <c>/readyz</c> (200 only when every <see cref="IHealthCheck"/> is ready) with Kestrel; nothing else.
/// </summary>
public sealed class AegHttpServer : IAsyncDisposable
{
    private const string TextPlain = "text/plain; charset=utf-8";
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(2);

    private readonly WebApplication _app;
    private readonly IReadOnlyList<IMetricsSource> _sources;
    private readonly IReadOnlyList<IHealthCheck> _checks;
    private readonly byte[]? _tokenHash;
    private readonly ILogger _log;
    private int _sourceFailureLogged;

    private AegHttpServer(WebApplication app, IReadOnlyList<IMetricsSource> sources, IReadOnlyList<IHealthCheck> checks, string? token, ILogger log)
    {
        _app = app;
        _sources = sources;
        _checks = checks;
        _tokenHash = token is null ? null : SHA256.HashData(Encoding.UTF8.GetBytes(token));
        _log = log;
    }

    /// <summary>The bound address and port (the real port when 0 was configured).</summary>
    public IPEndPoint LocalEndPoint { get; private set; } = new(IPAddress.Loopback, 0);

    /// <summary>
    /// Reads the token (if any) and starts serving when <c>http.enabled</c> is set; null otherwise.
    /// Throws <see cref="ConfigException"/> when the token cannot be read or the address cannot be bound.
    /// </summary>
    public static async Task<AegHttpServer?> StartIfEnabledAsync(HttpOptions http, string configFile, IReadOnlyList<IMetricsSource> sources,
        IReadOnlyList<IHealthCheck> checks, ILogger log)
    {
        if (!http.Enabled)
        {
            return null;
        }
        string? token = null;
        if (http.RequiresToken)
        {
            token = Secrets.ReadRequired(http.Token("http"), configFile);
            if (Secrets.PermissionWarning(http.TokenFile, "http.tokenFile", configFile) is { } warning)
            {
                log.Warning("{Warning}", warning);
            }
        }
        return await StartAsync(http, configFile, sources, checks, token, log);
    }

    /// <summary>Binds <paramref name="options"/>' address and port and starts serving; <paramref name="token"/> null means no authentication.</summary>
    public static async Task<AegHttpServer> StartAsync(HttpOptions options, string configFile, IReadOnlyList<IMetricsSource> sources,
        IReadOnlyList<IHealthCheck> checks, string? token, ILogger log)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // A scrape is a handful of small GETs; these bounds keep a misbehaving client cheap.
            kestrel.Limits.MaxConcurrentConnections = 64;
            kestrel.Limits.MaxRequestBodySize = 0;
            kestrel.Listen(options.BindAddress, options.Port);
        });
        var app = builder.Build();
        var server = new AegHttpServer(app, sources, checks, token, log);
        app.Run(server.HandleAsync);
        try
        {
            await app.StartAsync();
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or UnauthorizedAccessException)
        {
            // Port in use, an address this machine does not have, or a privileged port.
            await app.DisposeAsync();
            throw new ConfigException(configFile, "http.port", $"cannot listen on {options.Address}:{options.Port}: {ex.Message}");
        }
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        if (bound is not null && Uri.TryCreate(bound, UriKind.Absolute, out var uri))
        {
            server.LocalEndPoint = new IPEndPoint(options.BindAddress, uri.Port);
        }
        log.Information("HTTP endpoint on http://{EndPoint}/ (/metrics, /healthz, /readyz); {Auth}",
            server.LocalEndPoint, token is null ? "no token required" : "bearer token required");
        if (!IPAddress.IsLoopback(options.BindAddress) && token is null)
        {
            log.Warning("http.address {Address} is reachable from other machines and no token is set (http.tokenEnv or http.tokenFile)", options.Address);
        }
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        using (var timeout = new CancellationTokenSource(StopTimeout))
        {
            await _app.StopAsync(timeout.Token);
        }
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        response.Headers.CacheControl = "no-store";
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            response.Headers.Allow = "GET, HEAD";
            await Reply(response, StatusCodes.Status405MethodNotAllowed, TextPlain, "method not allowed\n");
            return;
        }
        if (!Authorized(request))
        {
            response.Headers.WWWAuthenticate = "Bearer realm=\"aeg\"";
            await Reply(response, StatusCodes.Status401Unauthorized, TextPlain, "unauthorized\n");
            return;
        }
        switch (request.Path.Value)
        {
            case "/metrics":
                await ServeMetrics(response);
                break;
            case "/healthz":
                await Reply(response, StatusCodes.Status200OK, TextPlain, "ok\n");
                break;
            case "/readyz":
                var (ready, body) = Readiness();
                await Reply(response, ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable, TextPlain, body);
                break;
            default:
                await Reply(response, StatusCodes.Status404NotFound, TextPlain, "not found: try /metrics, /healthz or /readyz\n");
                break;
        }
    }

    // Hashing both sides makes the comparison constant-time in the token's length as well.
    private bool Authorized(HttpRequest request)
    {
        if (_tokenHash is null)
        {
            return true;
        }
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(presented, _tokenHash);
    }

    private async Task ServeMetrics(HttpResponse response)
    {
        // Rendered whole before anything is sent: a source that throws must not leave a half page
        // that Prometheus would take for counters reset to nothing.
        var text = new StringWriter(System.Globalization.CultureInfo.InvariantCulture) { NewLine = "\n" };
        var writer = new PrometheusTextWriter(text);
        try
        {
            foreach (var source in _sources)
            {
                source.WriteTo(writer);
            }
        }
        catch (Exception ex)
        {
            if (Interlocked.Exchange(ref _sourceFailureLogged, 1) == 0)
            {
                _log.Error("A metrics source failed ({Type}); /metrics answers 500 while it does (logged once)", ex.GetType().Name);
            }
            await Reply(response, StatusCodes.Status500InternalServerError, TextPlain, $"a metrics source failed: {ex.GetType().Name}\n");
            return;
        }
        await Reply(response, StatusCodes.Status200OK, PrometheusTextWriter.ContentType, text.ToString());
    }

    /// <summary>Every check's answer, one line each, after a first line that says ready or not ready.</summary>
    private (bool Ready, string Body) Readiness()
    {
        var ready = true;
        var lines = new StringBuilder();
        foreach (var check in _checks)
        {
            HealthStatus status;
            try
            {
                status = check.Check();
            }
            catch (Exception ex)
            {
                status = HealthStatus.NotReady($"the check failed: {ex.GetType().Name}");
            }
            ready &= status.Ready;
            var detail = status.Detail.ReplaceLineEndings(" ");
            lines.Append(check.Name).Append(status.Ready ? ": ok" : ": not ready").Append(detail is "ok" or "" ? "" : " (" + detail + ")").Append('\n');
        }
        return (ready, (ready ? "ready\n" : "not ready\n") + lines);
    }

    private static async Task Reply(HttpResponse response, int status, string contentType, string body)
    {
        response.StatusCode = status;
        response.ContentType = contentType;
        var bytes = Encoding.UTF8.GetBytes(body);
        response.ContentLength = bytes.Length;
        if (!HttpMethods.IsHead(response.HttpContext.Request.Method))
        {
            await response.Body.WriteAsync(bytes);
        }
    }
}
