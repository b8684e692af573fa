using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using Aeg.Configuration;
using Aeg.Tickets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Display;
using ILogger = Serilog.ILogger;

namespace Aeg.TestKit;

/// <summary>One request as an in-process server saw it; <see cref="At"/> is a monotonic Stopwatch timestamp.</summary>
public sealed record RecordedRequest(long At, DateTimeOffset Wall, string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;
}

/// <summary>The answer an in-process server gives.</summary>
public sealed record Reply(int Status, string Body = "", IReadOnlyDictionary<string, string>? Headers = null);

/// <summary>
/// A Kestrel HTTP server on 127.0.0.1 (free port) that records every request and answers through
/// a handler, so tests can follow a ticket system's documented request/response shapes.
/// </summary>
public sealed class InProcessHttpServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();

    private InProcessHttpServer(WebApplication app) => _app = app;

    /// <summary>Answers each request; the int is the 1-based number of the request.</summary>
    public Func<RecordedRequest, int, Reply> Handler { get; set; } = (_, _) => new Reply(404);

    /// <summary>When set, every request waits for it before being answered (a server that hangs).</summary>
    public TaskCompletionSource? Gate { get; set; }

    /// <summary>With <see cref="Gate"/>: only the first this many requests wait for it (0: all).</summary>
    public int HangRequests { get; set; }

    public Uri BaseUrl { get; private set; } = null!;

    public IReadOnlyList<RecordedRequest> Requests => _requests.ToArray();

    public static async Task<InProcessHttpServer> StartAsync(Func<RecordedRequest, int, Reply>? handler = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new InProcessHttpServer(app);
        if (handler is not null)
        {
            server.Handler = handler;
        }
        var count = 0;
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var recorded = new RecordedRequest(Stopwatch.GetTimestamp(), DateTimeOffset.UtcNow, context.Request.Method,
                context.Request.Path.Value + context.Request.QueryString.Value,
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body);
            server._requests.Enqueue(recorded);
            var number = Interlocked.Increment(ref count);
            if (server.Gate is { } gate && (server.HangRequests == 0 || number <= server.HangRequests))
            {
                await gate.Task;
            }
            var reply = server.Handler(recorded, number);
            context.Response.StatusCode = reply.Status;
            foreach (var (name, value) in reply.Headers ?? new Dictionary<string, string>())
            {
                context.Response.Headers[name] = value;
            }
            if (reply.Body.Length > 0)
            {
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(reply.Body);
            }
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUrl = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/");
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>A temporary folder deleted after the test.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "aeg-tickets-" + Guid.NewGuid().ToString("N")[..8]);

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Builds actions and dispatchers for tests.</summary>
public static class TicketKit
{
    public static TicketSystemOptions SystemOptions(TicketSystemType type, Uri url, int maxAttempts = 3, TicketAuth auth = TicketAuth.Default, string? user = null) => new()
    {
        Type = type,
        Url = url.ToString(),
        Auth = auth,
        User = user,
        Timeout = TimeSpan.FromSeconds(5),
        Retry = new RetryOptions { MaxAttempts = maxAttempts, BaseDelay = TimeSpan.FromMilliseconds(20), MaxDelay = TimeSpan.FromSeconds(5) },
    };

    public static TicketHttp Http(string name, TicketSystemOptions options, TicketCredential credential, ILogger log, TicketCounters counters) =>
        new(name, options, credential, new SecretScrubber(credential.SecretForms()), log, counters);

    public static TicketWork Work(string target, string key, IReadOnlyDictionary<string, string>? onCreate, IReadOnlyDictionary<string, string>? onUpdate, string rule = "test-rule") =>
        new(rule, target, key, onCreate, onUpdate, $"CEF:0|Acme|IDS|1.0|4711|Test|5|cs1={key}", DateTimeOffset.UtcNow);

    public static Dictionary<string, string> Fields(params (string Key, string Value)[] fields) => fields.ToDictionary(f => f.Key, f => f.Value);

    /// <summary>The configured systems (checked valid) and one single-lane dispatcher with its outbox (store and dead letters) in <paramref name="dir"/>.</summary>
    public static (TicketSystems Systems, TicketDispatcher Dispatcher) Dispatcher(TicketsOptions tickets, TempDirectory dir, ILogger log, TicketCounters counters)
    {
        Assert.Empty(tickets.Validate("tickets"));
        var systems = TicketSystems.Create(tickets, "aeg.yaml", log, counters);
        return (systems, new TicketDispatcher(systems.Actions, new TicketOutbox(dir.File("tickets.db"), TimeSpan.FromSeconds(30)),
            systems.Scrubber, log, counters, workers: 1));
    }
}
