using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Aeg.Configuration;
using Aeg.Logging;
using Aeg.Syslog;
using Aeg.Tickets;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using Serilog;

namespace Aeg.Esm;

/// <summary>
/// A client of the ESM Service Layer REST API (LoginService, SecurityEventService, CaseService) in its JSON form.
/// The token lives in memory only; a refused token (401, 403, or ESM's HTTP 500 page on an authenticated call)
/// triggers one fresh login per call. Connection errors, timeouts, 429 (Retry-After honoured) and other 5xx are
/// retried with backoff; other 4xx fail at once. No text that leaves this class carries the password or token.
/// </summary>
public sealed partial class EsmClient : IAsyncDisposable
{
    private const int MaxBodyInError = 300;
    private static readonly TimeSpan RetryAfterMargin = TimeSpan.FromMilliseconds(50);
    private readonly HttpClient _client;
    private readonly Uri _base;
    private readonly string _user;
    private readonly string _password;
    private readonly ILogger _log;
    private readonly ResiliencePipeline<EsmAnswer> _pipeline;
    private readonly TimeSpan _maxDelay;
    private readonly SemaphoreSlim _loginLock = new(1, 1);
    private readonly List<string> _formerTokens = [];
    private string? _token;
    private SecretScrubber _scrubber;

    /// <summary>A client for <paramref name="options"/>; <paramref name="handler"/> (tests) replaces the TLS and connect-timeout handler.</summary>
    public EsmClient(EsmOptions options, string password, ILogger log, HttpMessageHandler? handler = null)
    {
        _base = new Uri(options.Url!.TrimEnd('/') + "/");
        _user = options.User!;
        _password = password;
        _log = log;
        _scrubber = Scrubber(null);
        _client = new HttpClient(handler ?? CreateHandler(options), disposeHandler: true) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        var retry = options.Retry ?? new();
        _maxDelay = retry.MaxDelay;
        var builder = new ResiliencePipelineBuilder<EsmAnswer>();
        if (retry.MaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions<EsmAnswer>
            {
                MaxRetryAttempts = retry.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = retry.BaseDelay,
                MaxDelay = retry.MaxDelay,
                ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome)),
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Result is { RetryAfter: { } wait } ? wait + RetryAfterMargin : (TimeSpan?)null),
                OnRetry = args =>
                {
                    Retries++;
                    _log.Warning("ESM Service Layer: {Outcome}; retry {Retry} of {MaxRetries} in {Delay}",
                        Describe(args.Outcome), args.AttemptNumber + 1, retry.MaxAttempts - 1, LogText.Duration(args.RetryDelay));
                    return ValueTask.CompletedTask;
                },
            });
        }
        _pipeline = builder.AddTimeout(options.Timeout).Build();
    }

    /// <summary>Logins made (the first and every re-login).</summary>
    public int Logins { get; private set; }

    /// <summary>HTTP attempts retried after a transient failure.</summary>
    public int Retries { get; private set; }

    /// <summary>Removes the password and the tokens this client has held from a text.</summary>
    public string Scrub(string? text) => _scrubber.Scrub(text);

    /// <summary>SecurityEventService.getSecurityEvents: the events with these ids (unknown ids are left out by ESM).</summary>
    public async Task<IReadOnlyList<EsmEvent>> GetSecurityEventsAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return [];
        }
        using var answer = await CallAsync("SecurityEventService", "sev", "getSecurityEvents", (w, p) =>
        {
            w.WriteStartArray($"{p}.ids");
            foreach (var id in ids)
            {
                w.WriteNumberValue(id);
            }
            w.WriteEndArray();
            // -1/-1: no time window, as the public clients send when they know the ids.
            w.WriteNumber($"{p}.startMillis", -1);
            w.WriteNumber($"{p}.endMillis", -1);
        }, cancellationToken).ConfigureAwait(false);
        return [.. EsmJson.Items(EsmJson.Return(answer, "sev", "getSecurityEvents")).Where(e => e.ValueKind == JsonValueKind.Object).Select(e => new EsmEvent(e.Clone()))];
    }

    /// <summary>One event by id, or null when ESM does not know it.</summary>
    public async Task<EsmEvent?> GetSecurityEventAsync(long id, CancellationToken cancellationToken)
    {
        try
        {
            var events = await GetSecurityEventsAsync([id], cancellationToken).ConfigureAwait(false);
            return events.FirstOrDefault(e => e.EventId == id) ?? events.FirstOrDefault();
        }
        catch (EsmException ex) when (ex.Failure == EsmFailure.NotFound)
        {
            return null;
        }
    }

    /// <summary>LoginService.logout, when logged in; failures are logged, not thrown (the token expires anyway).</summary>
    public async Task LogoutAsync(CancellationToken cancellationToken)
    {
        var token = _token;
        if (token is null)
        {
            return;
        }
        _token = null;
        try
        {
            var answer = await SendAsync(() => Form("www/core-service/rest/LoginService/logout", [new("authToken", token), new("alt", "json")]),
                "LoginService.logout", cancellationToken).ConfigureAwait(false);
            if (!answer.Ok)
            {
                _log.Warning("ESM Service Layer: LoginService.logout answered HTTP {Status}", answer.Status);
            }
        }
        catch (EsmException ex)
        {
            _log.Warning("ESM Service Layer: logout failed: {Reason}", ex.Message);
        }
    }

    private async Task<JsonDocument> CallAsync(string service, string prefix, string op, Action<Utf8JsonWriter, string> parameters, CancellationToken cancellationToken)
    {
        var what = $"{service}.{op}";
        var relogged = false;
        while (true)
        {
            var token = await TokenAsync(cancellationToken).ConfigureAwait(false);
            var body = EsmJson.Request(prefix, op, token, parameters);
            var answer = await SendAsync(() => Json($"www/manager-service/rest/{service}/{op}?alt=json", body), what, cancellationToken).ConfigureAwait(false);
            if (answer.Ok)
            {
                try
                {
                    return JsonDocument.Parse(answer.Body);
                }
                catch (JsonException ex)
                {
                    throw new EsmException($"ESM {what}: the answer is not JSON ({ex.Message}); is alt=json supported?", EsmFailure.Rejected, answer.Status, answer.Attempts);
                }
            }
            if (answer.NamesUnknownId)
            {
                throw new EsmException($"ESM {what}: {Detail(answer)}", EsmFailure.NotFound, answer.Status, answer.Attempts);
            }
            if (answer.NamesRefusedRequest)
            {
                // Neither a stale token nor an outage: sending it again (or logging in again) changes nothing.
                throw new EsmException($"ESM {what}: {Detail(answer)}", EsmFailure.Rejected, answer.Status, answer.Attempts);
            }
            // ESM answers a stale token with its HTTP 500 page (sometimes 401/403): log in again, once per call.
            if (!relogged && answer.Status is 401 or 403 or 500)
            {
                relogged = true;
                _log.Information("ESM Service Layer: {What} answered HTTP {Status}; logging in again", what, answer.Status);
                Invalidate(token);
                continue;
            }
            var failure = answer.Status is 401 or 403 ? EsmFailure.Authentication : IsTransient(answer.Status) ? EsmFailure.Unavailable : EsmFailure.Rejected;
            throw new EsmException($"ESM {what}: {Detail(answer)}", failure, answer.Status, answer.Attempts);
        }
    }

    private async Task<string> TokenAsync(CancellationToken cancellationToken)
    {
        if (_token is { } token)
        {
            return token;
        }
        await _loginLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_token is { } fresh)
            {
                return fresh;
            }
            // The password goes in the form body, never the URL: a query string ends up in proxy and access logs.
            var answer = await SendAsync(() => Form("www/core-service/rest/LoginService/login", [new("login", _user), new("password", _password), new("alt", "json")]),
                "LoginService.login", cancellationToken).ConfigureAwait(false);
            if (!answer.Ok)
            {
                var failure = IsTransient(answer.Status) && answer.Status != 500 ? EsmFailure.Unavailable
                    : answer.Status is 400 or 401 or 403 or 500 ? EsmFailure.Authentication : EsmFailure.Rejected;
                throw new EsmException($"ESM LoginService.login as {_user}: {Detail(answer)}", failure, answer.Status, answer.Attempts);
            }
            string? value = null;
            try
            {
                using var document = JsonDocument.Parse(answer.Body);
                value = EsmJson.Return(document, "log", "login") is { ValueKind: JsonValueKind.String } t ? t.GetString() : null;
            }
            catch (JsonException)
            {
            }
            if (string.IsNullOrEmpty(value))
            {
                throw new EsmException("ESM LoginService.login: the answer holds no log.loginResponse/log.return token", EsmFailure.Rejected, answer.Status, answer.Attempts);
            }
            _scrubber = Scrubber(value);
            _token = value;
            Logins++;
            _log.Debug("ESM Service Layer: logged in as {User}", _user);
            return value;
        }
        finally
        {
            _loginLock.Release();
        }
    }

    private void Invalidate(string token)
    {
        lock (_formerTokens)
        {
            if (_token == token)
            {
                _token = null;
            }
        }
    }

    private SecretScrubber Scrubber(string? token)
    {
        lock (_formerTokens)
        {
            if (token is not null)
            {
                _formerTokens.Add(token);
                if (_formerTokens.Count > 16)
                {
                    _formerTokens.RemoveAt(0);
                }
            }
            return new SecretScrubber(_formerTokens.Concat([_password])
                .SelectMany(s => new[] { s, Uri.EscapeDataString(s), WebUtility.UrlEncode(s), JsonEncodedText.Encode(s).ToString() }));
        }
    }

    private async Task<EsmAnswer> SendAsync(Func<HttpRequestMessage> build, string what, CancellationToken cancellationToken)
    {
        var attempts = 0;
        try
        {
            var answer = await _pipeline.ExecuteAsync(async ct =>
            {
                attempts++;
                using var request = build();
                var started = Stopwatch.GetTimestamp();
                using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
                var body = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
                _log.Debug("ESM Service Layer: {What} answered HTTP {Status} in {Elapsed} (attempt {Attempt})",
                    what, (int)response.StatusCode, LogText.Duration(Stopwatch.GetElapsedTime(started)), attempts);
                return new EsmAnswer((int)response.StatusCode, response.ReasonPhrase ?? "", body, TicketHttp.RetryAfter(response), attempts);
            }, cancellationToken).ConfigureAwait(false);
            return answer with { Attempts = attempts };
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutRejectedException)
        {
            var reason = ex is TimeoutRejectedException ? "timed out" : $"connection failed ({Scrub(ex.Message)})";
            throw new EsmException($"ESM {what}: {reason} after {attempts} attempt(s)", EsmFailure.Unavailable, null, attempts);
        }
    }

    private HttpRequestMessage Form(string path, KeyValuePair<string, string>[] fields)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_base, path)) { Content = new FormUrlEncodedContent(fields) };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return request;
    }

    private HttpRequestMessage Json(string pathAndQuery, byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_base, pathAndQuery)) { Content = content };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return request;
    }

    private bool ShouldRetry(Outcome<EsmAnswer> outcome) => outcome switch
    {
        { Exception: HttpRequestException or TimeoutRejectedException } => true,
        // A 500 is ESM's answer to bad ids and stale tokens too: those are not retried blindly.
        { Result: { } a } => IsTransient(a.Status) && !a.NamesUnknownId && !a.NamesRefusedRequest && !a.NamesLoginProblem && !(a.RetryAfter > _maxDelay),
        _ => false,
    };

    private static bool IsTransient(int status) => status == 429 || status >= 500;

    private string Describe(Outcome<EsmAnswer> outcome) => outcome switch
    {
        { Exception: TimeoutRejectedException } => "attempt timed out",
        { Exception: { } ex } => $"connection failed ({Scrub(ex.Message)})",
        { Result: { } a } => $"HTTP {a.Status} {a.Reason}" + (a.RetryAfter is { } w ? $" (Retry-After {LogText.Duration(w)})" : ""),
        _ => "failed",
    };

    private string Detail(EsmAnswer answer)
    {
        var text = $"HTTP {answer.Status} {answer.Reason} after {answer.Attempts} attempt(s)";
        if (answer.JavaException is { } exception)
        {
            text += $": {exception}";
        }
        else if (answer.Body.Length > 0)
        {
            var body = Scrub(EsmJson.Utf8(answer.Body));
            text += ": " + (body.Length <= MaxBodyInError ? body : body[..MaxBodyInError] + "…");
        }
        if (IsTransient(answer.Status) && answer.RetryAfter is { } wait && wait > _maxDelay)
        {
            text += $" (Retry-After {LogText.Duration(wait)} exceeds esm.retry.maxDelay)";
        }
        return Scrub(text);
    }

    private static SocketsHttpHandler CreateHandler(EsmOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            ConnectTimeout = options.ConnectTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            UseCookies = false,
        };
        if (options.CaFile is { Length: > 0 } ca)
        {
            // Only these CAs are trusted, with the usual host-name check; there is deliberately no switch to accept any certificate.
            handler.SslOptions.CertificateChainPolicy = PemFiles.CustomRootPolicy(ca, "esm.caFile");
        }
        return handler;
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await LogoutAsync(timeout.Token).ConfigureAwait(false);
        _client.Dispose();
        _loginLock.Dispose();
    }
}
