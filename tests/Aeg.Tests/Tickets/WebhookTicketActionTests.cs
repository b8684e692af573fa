using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Aeg.Tickets;
using Xunit;
using static Aeg.TestKit.TicketKit;

namespace Aeg.Tests.Tickets;

/// <summary>The generic webhook against an in-process receiver that verifies the HMAC-SHA256 signature on its own.</summary>
public sealed class WebhookTicketActionTests : IDisposable
{
    private const string Secret = "wh-shared-secret-3f9a";
    private readonly LogCapture _log = new();
    private readonly TicketCounters _counters = new();

    public void Dispose() => _log.Dispose();

    /// <summary>What a receiver does per docs/tickets.md: HMAC-SHA256(secret, timestamp + "." + body), compared in constant time, timestamp within 5 minutes.</summary>
    private static bool Verify(RecordedRequest r, string secret)
    {
        if (r.Header(WebhookTicketAction.TimestampHeader) is not { } ts || r.Header(WebhookTicketAction.SignatureHeader) is not { } sig ||
            !long.TryParse(ts, NumberStyles.None, CultureInfo.InvariantCulture, out var unix) ||
            Math.Abs(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - unix) > 300 || !sig.StartsWith("sha256=", StringComparison.Ordinal))
        {
            return false;
        }
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(ts + "." + r.Body));
        return CryptographicOperations.FixedTimeEquals(expected, Convert.FromHexString(sig["sha256=".Length..]));
    }

    private WebhookTicketAction Webhook(InProcessHttpServer server, string secret) =>
        new(Http("hook", SystemOptions(TicketSystemType.Webhook, server.BaseUrl, 3), new TicketCredential(TicketAuth.Hmac, null, secret), _log.Logger, _counters),
            new Uri(server.BaseUrl, "hooks/aeg"), secret);

    [Fact]
    public async Task Webhook_HMAC_signature_verified_by_in_process_server_on_create_and_update()
    {
        await using var server = await InProcessHttpServer.StartAsync((r, _) => Verify(r, Secret)
            ? new Reply(201, """{"id":"hook-9"}""")
            : new Reply(401, """{"error":"bad signature"}"""));
        var hook = Webhook(server, Secret);
        var hostile = "a\",\"action\":\"delete\",\"x\":\"\u2028";

        var created = await hook.CreateAsync(Fields(("title", hostile), ("severity", "8")), CancellationToken.None);
        await hook.UpdateAsync(created.TicketRef, Fields(("comment", "again")), CancellationToken.None);

        Assert.Equal("hook-9", created.TicketRef);
        var r = server.Requests;
        Assert.Equal(2, r.Count);
        Assert.All(r, x => Assert.Equal("/hooks/aeg", x.Path));
        using var first = JsonDocument.Parse(r[0].Body);
        Assert.Equal("create", first.RootElement.GetProperty("action").GetString());
        Assert.Equal(JsonValueKind.Null, first.RootElement.GetProperty("ticketRef").ValueKind);
        Assert.Equal(hostile, first.RootElement.GetProperty("fields").GetProperty("title").GetString());
        Assert.Equal(["action", "ticketRef", "fields"], first.RootElement.EnumerateObject().Select(p => p.Name).ToArray());
        using var second = JsonDocument.Parse(r[1].Body);
        Assert.Equal("update", second.RootElement.GetProperty("action").GetString());
        Assert.Equal("hook-9", second.RootElement.GetProperty("ticketRef").GetString());
        Assert.Equal("again", second.RootElement.GetProperty("fields").GetProperty("comment").GetString());
    }

    [Fact]
    public async Task Webhook_signed_with_another_secret_is_rejected_by_in_process_server_and_fails_fast()
    {
        await using var server = await InProcessHttpServer.StartAsync((r, _) => Verify(r, Secret) ? new Reply(201) : new Reply(401, """{"error":"bad signature"}"""));
        var hook = Webhook(server, "some-other-secret");

        var ex = await Assert.ThrowsAsync<TicketActionException>(() => hook.CreateAsync(Fields(("title", "t")), CancellationToken.None));

        Assert.Equal(401, ex.StatusCode);
        Assert.Single(server.Requests);
    }

    [Fact]
    public void Signature_matches_a_known_HMAC_SHA256_vector()
    {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?" split as "what do ya want" + "." is not
        // possible, so the vector is computed over "1700000000.{}" with the RFC's own algorithm via HMACSHA256.
        var expected = "sha256=" + Convert.ToHexStringLower(new HMACSHA256(Encoding.UTF8.GetBytes("Jefe")).ComputeHash(Encoding.UTF8.GetBytes("1700000000.{}")));

        var actual = WebhookTicketAction.Sign(Encoding.UTF8.GetBytes("Jefe"), "1700000000", "{}"u8);

        Assert.Equal(expected, actual);
        Assert.Matches("^sha256=[0-9a-f]{64}$", actual);
    }
}
