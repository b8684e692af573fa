using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Aeg.Tickets;

/// <summary>
/// A generic webhook: POSTs <c>{"action":"create"|"update","ticketRef":…,"fields":{…}}</c> to the
/// configured URL, signed with HMAC-SHA256 (see <see cref="Sign"/> and docs/tickets.md).
/// </summary>
public sealed class WebhookTicketAction : ITicketAction
{
    /// <summary>Header with the Unix time (seconds) of sending; part of the signed content.</summary>
    public const string TimestampHeader = "X-Aeg-Timestamp";
    /// <summary>Header with <c>sha256=&lt;hex HMAC&gt;</c>.</summary>
    public const string SignatureHeader = "X-Aeg-Signature";
    /// <summary>Header on creates: stable per (target, dedupe key), so a create repeated after a crash can be recognised by the receiver.</summary>
    public const string IdempotencyHeader = "Idempotency-Key";

    private readonly TicketHttp _http;
    private readonly Uri _url;
    private readonly byte[]? _secret;
    private readonly TimeProvider _time;

    public WebhookTicketAction(TicketHttp http, Uri url, string? secret, TimeProvider? time = null)
    {
        _http = http;
        _url = url;
        _secret = string.IsNullOrEmpty(secret) ? null : Encoding.UTF8.GetBytes(secret);
        _time = time ?? TimeProvider.System;
    }

    public string Name => _http.Name;

    public Task<TicketResult> CreateAsync(IReadOnlyDictionary<string, string> fields, CancellationToken cancellationToken) =>
        CreateAsync(fields, null, cancellationToken);

    /// <summary>Creates with the <see cref="IdempotencyHeader"/>: a receiver honouring it answers a repeat with the first create's id.</summary>
    public async Task<TicketResult> CreateAsync(IReadOnlyDictionary<string, string> fields, string? idempotencyKey, CancellationToken cancellationToken)
    {
        var response = await PostAsync("create", null, fields, cancellationToken, idempotencyKey).ConfigureAwait(false);
        using var doc = JsonBody.TryParse(response);
        // The receiver may name what it created; otherwise Aeg names it, so updates can refer to it.
        if (doc?.RootElement is { ValueKind: JsonValueKind.Object } root && root.TryGetProperty("id", out var id) &&
            (id.ValueKind == JsonValueKind.Number ? id.GetRawText() : id.ValueKind == JsonValueKind.String ? id.GetString() : null) is { Length: > 0 } value)
        {
            return new TicketResult(value);
        }
        return new TicketResult("aeg-" + Guid.NewGuid().ToString("N"));
    }

    public Task UpdateAsync(string ticketRef, IReadOnlyDictionary<string, string> fields, CancellationToken cancellationToken) =>
        PostAsync("update", ticketRef, fields, cancellationToken);

    private async Task<string> PostAsync(string action, string? ticketRef, IReadOnlyDictionary<string, string> fields, CancellationToken ct, string? idempotencyKey = null)
    {
        var body = JsonBody.Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("action", action);
            if (ticketRef is null)
            {
                w.WriteNull("ticketRef");
            }
            else
            {
                w.WriteString("ticketRef", ticketRef);
            }
            w.WriteStartObject("fields");
            foreach (var (name, value) in fields)
            {
                w.WriteString(name, value);
            }
            w.WriteEndObject();
            w.WriteEndObject();
        });
        var (_, response) = await _http.SendAsync(() =>
        {
            // Signed per attempt: a retry carries a fresh timestamp the receiver will accept.
            var request = JsonBody.Request(HttpMethod.Post, _url, body);
            if (idempotencyKey is not null)
            {
                request.Headers.TryAddWithoutValidation(IdempotencyHeader, idempotencyKey);
            }
            if (_secret is not null)
            {
                var timestamp = _time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
                request.Headers.TryAddWithoutValidation(TimestampHeader, timestamp);
                request.Headers.TryAddWithoutValidation(SignatureHeader, Sign(_secret, timestamp, body));
            }
            return request;
        }, $"{action} webhook", ct).ConfigureAwait(false);
        return response;
    }

    /// <summary><c>sha256=</c> + lower-case hex of HMAC-SHA256(secret, timestamp + "." + body).</summary>
    public static string Sign(byte[] secret, string timestamp, ReadOnlySpan<byte> body)
    {
        var signed = new byte[timestamp.Length + 1 + body.Length];
        Encoding.ASCII.GetBytes(timestamp, signed);
        signed[timestamp.Length] = (byte)'.';
        body.CopyTo(signed.AsSpan(timestamp.Length + 1));
        return "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(secret, signed));
    }
}
