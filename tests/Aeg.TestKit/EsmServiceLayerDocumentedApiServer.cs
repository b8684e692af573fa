using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Aeg.TestKit;

/// <summary>A fault the server applies to one coming request (in order).</summary>
public abstract record EsmFault
{
    /// <summary>HTTP 429 with <c>Retry-After</c> in whole seconds.</summary>
    public sealed record TooManyRequests(int RetryAfterSeconds) : EsmFault;
    /// <summary>HTTP 503 (a Manager restarting behind its proxy).</summary>
    public sealed record Unavailable : EsmFault;
    /// <summary>The connection is closed without an answer.</summary>
    public sealed record DropConnection : EsmFault;
    /// <summary>The answer comes after this long.</summary>
    public sealed record Slow(TimeSpan Delay) : EsmFault;
    /// <summary>A plain 4xx (e.g. 400 for a request ESM cannot read).</summary>
    public sealed record ClientError(int Status) : EsmFault;
}

/// <summary>
/// An ESM Service Layer written from its public documentation and the public clients (demisto ArcSightESMv2,
/// OpenCTI arcsight connectors): HTTPS with its own CA, <c>LoginService</c> login/logout (form fields
/// <c>login</c>/<c>password</c>, tokens that expire), <c>SecurityEventService.getSecurityEvents</c> and
/// <c>CaseService</c> findAllIds/getResourceById/getCaseEventIDs/update in the JSON form
/// (<c>{"sev.getSecurityEvents": {"sev.authToken": …}}</c> → <c>{"sev.getSecurityEventsResponse": {"sev.return": …}}</c>)
/// with the XML mapping's quirks (one-element lists bare, empty lists gone), errors as HTTP 500 Tomcat pages naming
/// the Java exception, and injectable faults (429, 503, dropped connections, slow answers).
/// No ESM can run in the tests; this is the stand-in, and tests that use it say so in their names.
/// </summary>
public sealed partial class EsmServiceLayerDocumentedApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, long> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, string> _events = new();
    private readonly ConcurrentDictionary<string, string> _cases = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<EsmFault> _faults = new();
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private int _tokenCounter;

    private EsmServiceLayerDocumentedApiServer(WebApplication app, string caFile, TempDirectory dir)
    {
        _app = app;
        CaFile = caFile;
        Directory = dir;
    }

    public string User { get; init; } = "aeg-integration";
    public string Password { get; init; } = "Esm-S3cret-p4ss!";

    /// <summary>How long a login token stays valid (ESM's session timeout).</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>https://localhost:port/ — the Manager's base address.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>PEM file of the CA that signed the server certificate (for <c>esm.caFile</c>).</summary>
    public string CaFile { get; }

    private TempDirectory Directory { get; }

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    /// <summary>Every token handed out so far (for the scanning tests).</summary>
    public IReadOnlyCollection<string> IssuedTokens => [.. _issued];
    private readonly ConcurrentBag<string> _issued = [];

    public int Logins => _issued.Count;

    public int Logouts;

    /// <summary>
    /// Share (0–1) of requests that meet a random fault when none is queued: 429 (Retry-After 0), 503 or a dropped
    /// connection, one third each, drawn from <see cref="FaultSeed"/>.
    /// </summary>
    public double RandomFaultShare { get; set; }

    /// <summary>Seed of the random faults (a drill is repeatable).</summary>
    public int FaultSeed
    {
        set => _random = new Random(value);
    }

    private Random _random = new(1);
    private readonly Lock _randomLock = new();

    /// <summary>Random faults applied so far, by kind.</summary>
    public ConcurrentDictionary<string, int> RandomFaults { get; } = new(StringComparer.Ordinal);

    /// <summary>Faults for the next calls of one operation (<c>CaseService/update</c>), in order, before the general queue.</summary>
    public void InjectFor(string operation, params EsmFault[] faults)
    {
        var queue = _operationFaults.GetOrAdd(operation, _ => new ConcurrentQueue<EsmFault>());
        foreach (var fault in faults)
        {
            queue.Enqueue(fault);
        }
    }

    private readonly ConcurrentDictionary<string, ConcurrentQueue<EsmFault>> _operationFaults = new(StringComparer.Ordinal);

    /// <summary>Successful calls by operation (<c>CaseService/getResourceById</c>, <c>LoginService/login</c>, …).</summary>
    public ConcurrentDictionary<string, int> Calls { get; } = new(StringComparer.Ordinal);

    /// <summary>Queues faults for the next requests, in order.</summary>
    public void Inject(params EsmFault[] faults)
    {
        foreach (var fault in faults)
        {
            _faults.Enqueue(fault);
        }
    }

    /// <summary>Makes every token issued so far expired (ESM's session timeout passed).</summary>
    public void ExpireAllTokens()
    {
        foreach (var token in _tokens.Keys)
        {
            _tokens[token] = 0;
        }
    }

    /// <summary>Adds an event (a JSON object with <c>eventId</c>), e.g. a fixture file's text.</summary>
    public long AddEvent(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var id = doc.RootElement.GetProperty("eventId").GetInt64();
        _events[id] = json;
        return id;
    }

    /// <summary>Adds a case (a JSON object with <c>resourceid</c>, optionally <c>eventIDs</c>).</summary>
    public void AddCase(string json)
    {
        var node = JsonNode.Parse(json)!;
        _cases[node["resourceid"]!.GetValue<string>()] = json;
    }

    /// <summary>Runs before CaseService.getResourceById answers, with the case id asked for (an analyst changing cases while a poll reads them).</summary>
    public Action<string>? BeforeCaseRead { get; set; }

    /// <summary>Case ids in the order CaseService.update saved them.</summary>
    public ConcurrentQueue<string> CaseUpdates { get; } = new();

    /// <summary>The case as last stored (after <c>CaseService.update</c>).</summary>
    public JsonNode Case(string id) => JsonNode.Parse(_cases[id])!;

    public static async Task<EsmServiceLayerDocumentedApiServer> StartAsync()
    {
        var dir = new TempDirectory();
        var (ca, serverCert) = Certificates();
        var caFile = dir.File("esm-ca.pem");
        await File.WriteAllTextAsync(caFile, ca.ExportCertificatePem());
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(serverCert)));
        var app = builder.Build();
        var server = new EsmServiceLayerDocumentedApiServer(app, caFile, dir);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        var address = app.Urls.First();
        server.BaseUrl = new Uri(address.Replace("127.0.0.1", "localhost", StringComparison.Ordinal) + "/");
        return server;
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        var path = context.Request.Path.Value ?? "";
        _requests.Enqueue(new RecordedRequest(Stopwatch.GetTimestamp(), DateTimeOffset.UtcNow, context.Request.Method, path + context.Request.QueryString.Value,
            context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body));
        var opName = path.StartsWith("/www/manager-service/rest/", StringComparison.Ordinal) ? path["/www/manager-service/rest/".Length..]
            : path.StartsWith("/www/core-service/rest/", StringComparison.Ordinal) ? path["/www/core-service/rest/".Length..] : path;
        EsmFault? fault = null;
        if (_operationFaults.TryGetValue(opName, out var forOp) && forOp.TryDequeue(out var opFault))
        {
            fault = opFault;
        }
        else if (_faults.TryDequeue(out var queued))
        {
            fault = queued;
        }
        else if (RandomFaultShare > 0)
        {
            lock (_randomLock)
            {
                if (_random.NextDouble() < RandomFaultShare)
                {
                    fault = _random.Next(3) switch
                    {
                        0 => new EsmFault.TooManyRequests(0),
                        1 => new EsmFault.Unavailable(),
                        _ => new EsmFault.DropConnection(),
                    };
                    RandomFaults.AddOrUpdate(fault.GetType().Name, 1, (_, n) => n + 1);
                }
            }
        }
        if (fault is not null)
        {
            switch (fault)
            {
                case EsmFault.TooManyRequests t:
                    context.Response.StatusCode = 429;
                    context.Response.Headers.RetryAfter = t.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    return;
                case EsmFault.Unavailable:
                    await Page(context, 503, "Service Unavailable", "");
                    return;
                case EsmFault.DropConnection:
                    context.Abort();
                    return;
                case EsmFault.Slow s:
                    await Task.Delay(s.Delay, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                    break;
                case EsmFault.ClientError c:
                    await Page(context, c.Status, "Bad Request", "");
                    return;
            }
        }
        if (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }
        if (path == "/www/core-service/rest/LoginService/login")
        {
            await LoginAsync(context, body);
            return;
        }
        if (path == "/www/core-service/rest/LoginService/logout")
        {
            var form = Form(body);
            if (form.TryGetValue("authToken", out var token) && _tokens.TryRemove(token, out _))
            {
                Interlocked.Increment(ref Logouts);
            }
            await Json(context, "{\"log.logoutResponse\":{}}");
            return;
        }
        const string manager = "/www/manager-service/rest/";
        if (!path.StartsWith(manager, StringComparison.Ordinal))
        {
            await Page(context, 404, "Not Found", "");
            return;
        }
        // JSON only when asked for; otherwise ESM answers XML.
        if (context.Request.Query["alt"] != "json" && !context.Request.Headers.Accept.ToString().Contains("application/json", StringComparison.Ordinal))
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/xml";
            await context.Response.WriteAsync("<ns3:response xmlns:ns3=\"http://ws.v1.service.resource.manager.product.arcsight.com/\"/>");
            return;
        }
        var operation = path[manager.Length..];
        JsonObject call;
        try
        {
            call = JsonNode.Parse(body)!.AsObject();
        }
        catch (JsonException)
        {
            await Page(context, 500, "Internal Server Error", "com.fasterxml.jackson.core.JsonParseException: Unexpected character");
            return;
        }
        var (prefix, op) = operation switch
        {
            "SecurityEventService/getSecurityEvents" => ("sev", "getSecurityEvents"),
            "CaseService/findAllIds" => ("cas", "findAllIds"),
            "CaseService/getResourceById" => ("cas", "getResourceById"),
            "CaseService/getCaseEventIDs" => ("cas", "getCaseEventIDs"),
            "CaseService/update" => ("cas", "update"),
            "ActiveListService/getEntries" => ("act", "getEntries"),
            "QueryViewerService/getMatrixData" => ("qvs", "getMatrixData"),
            "ActiveListService/addEntries" => ("act", "addEntries"),
            "ActiveListService/deleteEntries" => ("act", "deleteEntries"),
            "ActiveListService/clearEntries" => ("act", "clearEntries"),
            "GroupService/getGroupByURI" => ("gro", "getGroupByURI"),
            "GroupService/getChildIDByChildNameOrAlias" => ("gro", "getChildIDByChildNameOrAlias"),
            _ => ("", ""),
        };
        if (op.Length == 0 || call[$"{prefix}.{op}"] is not JsonObject args)
        {
            await Page(context, 500, "Internal Server Error", "javax.ws.rs.NotFoundException: no operation " + operation);
            return;
        }
        var given = args[$"{prefix}.authToken"]?.GetValue<string>();
        if (given is null || !_tokens.TryGetValue(given, out var expires) || expires < Stopwatch.GetTimestamp())
        {
            await Page(context, 500, "Internal Server Error", "com.arcsight.xws.authentication.AuthenticationException: Invalid or expired authToken");
            return;
        }
        Calls.AddOrUpdate(operation, 1, (_, n) => n + 1);
        if (prefix == "act")
        {
            await ActiveListAsync(context, op, args);
            return;
        }
        if (prefix == "gro")
        {
            await GroupAsync(context, op, args);
            return;
        }
        if (prefix == "qvs")
        {
            await MatrixAsync(context, args);
            return;
        }
        string? result = op switch
        {
            "getSecurityEvents" => List((args[$"{prefix}.ids"] is JsonArray ids ? ids.Select(i => i!.GetValue<long>()) : [args[$"{prefix}.ids"]!.GetValue<long>()])
                .Where(_events.ContainsKey).Select(i => _events[i])),
            "findAllIds" => List(_cases.Keys.Order(StringComparer.Ordinal).Select(k => JsonSerializer.Serialize(k))),
            "getResourceById" => ReadCase(args[$"{prefix}.resourceId"]!.GetValue<string>()),
            "getCaseEventIDs" => _cases.TryGetValue(args[$"{prefix}.caseId"]!.GetValue<string>(), out var k)
                ? List((JsonNode.Parse(k)!["eventIDs"] is JsonArray e ? e.Select(x => x!.ToJsonString()) : []))
                : null,
            "update" => Update(args[$"{prefix}.resource"]),
            _ => null,
        };
        if (result is null)
        {
            var id = args[$"{prefix}.resourceId"] ?? args[$"{prefix}.caseId"] ?? args[$"{prefix}.resource"]?["resourceid"];
            await Page(context, 500, "Internal Server Error", $"com.arcsight.product.core.service.v1.api.InvalidResourceIDException: Invalid resource ID {id?.ToJsonString()} for Case");
            return;
        }
        var answer = result.Length == 0 ? $"{{\"{prefix}.{op}Response\":{{}}}}" : $"{{\"{prefix}.{op}Response\":{{\"{prefix}.return\":{result}}}}}";
        await Json(context, answer);
    }

    private string? ReadCase(string id)
    {
        BeforeCaseRead?.Invoke(id);
        return _cases.TryGetValue(id, out var c) ? c : null;
    }

    private string? Update(JsonNode? resource)
    {
        if (resource?["resourceid"]?.GetValue<string>() is not { } id || !_cases.ContainsKey(id))
        {
            return null;
        }
        // ESM stamps every saved change: a newer modifiedTimestamp and one more modificationCount.
        var old = JsonNode.Parse(_cases[id])!;
        var before = old["modifiedTimestamp"]?.GetValue<long>() ?? 0;
        resource["modifiedTimestamp"] = Math.Max(before + 1, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        resource["modificationCount"] = (old["modificationCount"]?.GetValue<long>() ?? 0) + 1;
        resource["modifierName"] = User;
        _cases[id] = resource.ToJsonString();
        CaseUpdates.Enqueue(id);
        return _cases[id];
    }

    private static Task Json(HttpContext context, string prefix, string op, string? result) =>
        Json(context, string.IsNullOrEmpty(result) ? $"{{\"{prefix}.{op}Response\":{{}}}}" : $"{{\"{prefix}.{op}Response\":{{\"{prefix}.return\":{result}}}}}");

    // The XML mapping: no items → no value at all; one → the bare item; more → an array.
    private static string List(IEnumerable<string> items)
    {
        var all = items.ToList();
        return all.Count switch { 0 => "", 1 => all[0], _ => "[" + string.Join(",", all) + "]" };
    }

    private async Task LoginAsync(HttpContext context, string body)
    {
        var form = Form(body);
        if (form.GetValueOrDefault("login") != User || form.GetValueOrDefault("password") != Password)
        {
            await Page(context, 500, "Internal Server Error", "com.arcsight.xws.authentication.LoginException: Login failed");
            return;
        }
        var token = $"tok{Interlocked.Increment(ref _tokenCounter)}-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(12));
        _tokens[token] = Stopwatch.GetTimestamp() + (long)(TokenLifetime.TotalSeconds * Stopwatch.Frequency);
        _issued.Add(token);
        await Json(context, $"{{\"log.loginResponse\":{{\"log.return\":\"{token}\"}}}}");
    }

    private static Dictionary<string, string> Form(string body) =>
        body.Split('&', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2))
            .ToDictionary(p => WebUtility.UrlDecode(p[0]), p => p.Length > 1 ? WebUtility.UrlDecode(p[1]) : "", StringComparer.Ordinal);

    private static async Task Json(HttpContext context, string json)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(json);
    }

    // Tomcat's error page, as ESM sends it for exceptions in a service call.
    private static async Task Page(HttpContext context, int status, string reason, string exception)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/html;charset=utf-8";
        await context.Response.WriteAsync($"<!doctype html><html lang=\"en\"><head><title>HTTP Status {status} – {reason}</title></head><body><h1>HTTP Status {status} – {reason}</h1><hr class=\"line\" /><p><b>Type</b> Exception Report</p><p><b>Message</b> {WebUtility.HtmlEncode(exception)}</p><p><b>Exception</b></p><pre>{WebUtility.HtmlEncode(exception)}</pre><hr class=\"line\" /><h3>Apache Tomcat</h3></body></html>");
    }

    private static (X509Certificate2 Ca, X509Certificate2 Server) Certificates()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Aeg test ESM CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var now = DateTimeOffset.UtcNow;
        var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var signed = request.Create(ca, now.AddDays(-1), now.AddDays(29), RandomNumberGenerator.GetBytes(8));
        using var withKey = signed.CopyWithPrivateKey(serverKey);
        var server = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
        return (ca, server);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Directory.Dispose();
    }
}
