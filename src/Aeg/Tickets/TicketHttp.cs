using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Aeg.Configuration;
using Aeg.Logging;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using Serilog;
using Serilog.Events;

namespace Aeg.Tickets;

/// <summary>
/// The HTTP side shared by every ticket action: credentials, a per-attempt timeout, retries of
/// connection errors, timeouts, 429 (honouring Retry-After) and 5xx with exponential backoff and
/// jitter (a Polly resilience pipeline), fail-fast on other 4xx, and secret-free error texts.
/// </summary>
public sealed class TicketHttp : IDisposable
{
    private const int MaxBodyInError = 1000;
    private static readonly TimeSpan RetryAfterMargin = TimeSpan.FromMilliseconds(50);
    private readonly HttpClient _client;
    private readonly bool _ownsClient;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
    private readonly TicketCredential _credential;
    private readonly TimeSpan _maxDelay;
    private readonly ILogger _log;
    private readonly TicketCounters _counters;

    public TicketHttp(string name, TicketSystemOptions options, TicketCredential credential, SecretScrubber scrubber,
        ILogger log, TicketCounters counters, HttpClient? client = null)
    {
        Name = name;
        Scrubber = scrubber;
        _credential = credential;
        _log = log;
        _counters = counters;
        _maxDelay = options.Retry.MaxDelay;
        _ownsClient = client is null;
        // The pipeline's timeout bounds each attempt; HttpClient's own would turn into a non-retried cancellation.
        _client = client ?? new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage>();
        if (options.Retry.MaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = options.Retry.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.Retry.BaseDelay,
                MaxDelay = options.Retry.MaxDelay,
                ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome)),
                // Timers may fire a clock tick early: a small margin keeps the retry after the asked time.
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Result is { } r && RetryAfter(r) is { } wait ? wait + RetryAfterMargin : (TimeSpan?)null),
                OnRetry = args =>
                {
                    _counters.AddRetried();
                    _log.Warning("Ticket system {Target}: {Outcome}; retry {Retry} of {MaxRetries} in {Delay}",
                        Name, Describe(args.Outcome), args.AttemptNumber + 1, options.Retry.MaxAttempts - 1, LogText.Duration(args.RetryDelay));
                    return ValueTask.CompletedTask;
                },
            });
        }
        _pipeline = builder.AddTimeout(options.Timeout).Build();
    }

    /// <summary>The system's name in the config.</summary>
    public string Name { get; }

    /// <summary>Removes the configured secrets from texts that leave this class.</summary>
    public SecretScrubber Scrubber { get; }

    /// <summary>
    /// Sends the request built by <paramref name="build"/> (called once per attempt) and returns the
    /// status and body of a 2xx response; throws <see cref="TicketActionException"/> otherwise.
    /// </summary>
    public async Task<(HttpStatusCode Status, string Body)> SendAsync(Func<HttpRequestMessage> build, string what, CancellationToken cancellationToken)
    {
        var attempts = 0;
        HttpResponseMessage response;
        try
        {
            response = await _pipeline.ExecuteAsync(async ct =>
            {
                attempts++;
                using var request = build();
                Authorize(request);
                var debug = _log.IsEnabled(LogEventLevel.Debug);
                var started = debug ? Stopwatch.GetTimestamp() : 0;
                if (debug)
                {
                    _log.Debug("Ticket system {Target}: {What}: {Method} {Url} (attempt {Attempt})",
                        Name, what, request.Method, SecretScrubber.Url(request.RequestUri, Scrubber), attempts);
                }
                var r = await _client.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
                if (debug)
                {
                    _log.Debug("Ticket system {Target}: {What}: answered HTTP {Status} {Reason} in {Elapsed}",
                        Name, what, (int)r.StatusCode, r.ReasonPhrase, LogText.Duration(Stopwatch.GetElapsedTime(started)));
                }
                return r;
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutRejectedException)
        {
            var reason = ex is TimeoutRejectedException ? "timed out" : $"connection failed ({Scrubber.Scrub(ex.Message)})";
            throw new TicketActionException($"{Name}: {what} {reason} after {attempts} attempt(s)", transient: true, attempts: attempts);
        }
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            var code = (int)response.StatusCode;
            if (code is >= 200 and < 300)
            {
                return (response.StatusCode, body);
            }
            var transient = IsTransient(response);
            var detail = $"{Name}: {what} failed with HTTP {code} {response.ReasonPhrase} after {attempts} attempt(s)";
            if (transient && RetryAfter(response) is { } wait && wait > _maxDelay)
            {
                detail += $" (Retry-After {LogText.Duration(wait)} exceeds retry.maxDelay)";
            }
            throw new TicketActionException($"{detail}: {Truncate(Scrubber.Scrub(body))}", transient, code, attempts);
        }
    }

    private void Authorize(HttpRequestMessage request)
    {
        var c = _credential;
        switch (c.Auth)
        {
            case TicketAuth.Token:
                request.Headers.TryAddWithoutValidation("Authorization", "token " + c.Secret);
                break;
            case TicketAuth.Basic:
                request.Headers.Authorization = new AuthenticationHeaderValue("Basic", c.BasicHeaderValue);
                break;
            case TicketAuth.Bearer:
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", c.Secret);
                break;
            case TicketAuth.ApiKey:
                request.Headers.TryAddWithoutValidation("Authorization", "ExtraHop apikey=" + c.Secret);
                break;
        }
    }

    private bool ShouldRetry(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Exception: HttpRequestException or TimeoutRejectedException } => true,
        { Result: { } r } => IsTransient(r) && !(RetryAfter(r) > _maxDelay),
        _ => false,
    };

    private static bool IsTransient(HttpResponseMessage r) => r.StatusCode == HttpStatusCode.TooManyRequests || (int)r.StatusCode >= 500;

    /// <summary>The wait a 429 or 503 asks for (seconds or an HTTP date), or null.</summary>
    internal static TimeSpan? RetryAfter(HttpResponseMessage r)
    {
        if (r.Headers.RetryAfter is not { } ra)
        {
            return null;
        }
        if (ra.Delta is { } delta)
        {
            return delta;
        }
        if (ra.Date is { } date)
        {
            var wait = date - DateTimeOffset.UtcNow;
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }
        return null;
    }

    private string Describe(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Exception: TimeoutRejectedException } => "attempt timed out",
        { Exception: { } ex } => $"connection failed ({Scrubber.Scrub(ex.Message)})",
        { Result: { } r } => $"HTTP {(int)r.StatusCode} {r.ReasonPhrase}" + (RetryAfter(r) is { } w ? $" (Retry-After {LogText.Duration(w)})" : ""),
        _ => "failed",
    };

    private static string Truncate(string text) => text.Length <= MaxBodyInError ? text : text[..MaxBodyInError] + "…";

    public void Dispose()
    {
        if (_ownsClient)
        {
            _client.Dispose();
        }
    }
}
