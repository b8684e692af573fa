using System.Diagnostics;
using System.Text.Json;
using Aeg.Esm;
using Serilog.Events;

namespace Aeg.Tests.Esm;

/// <summary>
/// <see cref="EsmClient"/> against <see cref="EsmServiceLayerDocumentedApiServer"/>, the ESM Service Layer written from its public
/// documentation (no ESM can run here). Each test names the service and operation it exercises.
/// </summary>
public sealed class EsmClientDocumentedApiTests : IAsyncLifetime
{
    private EsmServiceLayerDocumentedApiServer _server = null!;
    private readonly LogCapture _log = new();

    public async Task InitializeAsync() => _server = await EsmServiceLayerDocumentedApiServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _log.Dispose();
    }

    [Fact]
    public async Task LoginService_login_posts_the_password_in_the_form_body_and_getSecurityEvents_returns_the_documented_event()
    {
        var id = _server.AddEvent(EsmTestKit.ExampleEvent);
        await using var client = EsmTestKit.Client(_server, _log.Logger);

        var events = await client.GetSecurityEventsAsync([id], CancellationToken.None);

        var e = Assert.Single(events);
        Assert.Equal(198236, e.EventId);
        Assert.Equal("/All Zones/ArcSight System/Private Address Space Zones/RFC1918: 192.168.0.0-192.168.255.255", e.Get("originalAgent.zone.uri"));
        var login = _server.Requests[0];
        Assert.Equal("/www/core-service/rest/LoginService/login", login.Path);
        Assert.Contains("password=", login.Body, StringComparison.Ordinal);
        Assert.DoesNotContain(_server.Password, login.Path, StringComparison.Ordinal);
        var call = _server.Requests[1];
        Assert.Equal("/www/manager-service/rest/SecurityEventService/getSecurityEvents?alt=json", call.Path);
        using var body = JsonDocument.Parse(call.Body);
        var args = body.RootElement.GetProperty("sev.getSecurityEvents");
        Assert.Equal(_server.IssuedTokens.Single(), args.GetProperty("sev.authToken").GetString());
        Assert.Equal(id, args.GetProperty("sev.ids")[0].GetInt64());
    }

    [Fact]
    public async Task SecurityEventService_getSecurityEvents_reads_one_bare_event_many_as_a_list_and_none_as_an_absent_return()
    {
        _server.AddEvent(EsmTestKit.Event(1));
        _server.AddEvent(EsmTestKit.Event(2));
        await using var client = EsmTestKit.Client(_server, _log.Logger);

        Assert.Equal([1L, 2L], (await client.GetSecurityEventsAsync([1, 2], CancellationToken.None)).Select(e => e.EventId));
        Assert.Equal([2L], (await client.GetSecurityEventsAsync([2], CancellationToken.None)).Select(e => e.EventId));
        Assert.Empty(await client.GetSecurityEventsAsync([99], CancellationToken.None));
        Assert.Null(await client.GetSecurityEventAsync(99, CancellationToken.None));
    }

    [Fact]
    public async Task SecurityEventService_getSecurityEvents_fetches_a_huge_event_whole()
    {
        var huge = new string('x', 8 * 1024 * 1024);
        _server.AddEvent(EsmTestKit.Event(7, e => e["deviceCustomString3"] = huge));
        await using var client = EsmTestKit.Client(_server, _log.Logger);

        var e = await client.GetSecurityEventAsync(7, CancellationToken.None);

        Assert.Equal(huge.Length, e!.Get("deviceCustomString3")!.Length);
    }

    [Fact]
    public async Task An_expired_token_is_answered_with_ESMs_500_page_and_the_client_logs_in_once_more()
    {
        _server.AddEvent(EsmTestKit.ExampleEvent);
        await using var client = EsmTestKit.Client(_server, _log.Logger);
        Assert.NotNull(await client.GetSecurityEventAsync(198236, CancellationToken.None));

        _server.ExpireAllTokens();
        var again = await client.GetSecurityEventAsync(198236, CancellationToken.None);

        Assert.NotNull(again);
        Assert.Equal(2, _server.Logins);
        Assert.Equal(2, client.Logins);
    }

    [Fact]
    public async Task LoginService_login_with_a_wrong_password_fails_fast_as_an_authentication_error()
    {
        await using var client = EsmTestKit.Client(_server, _log.Logger, password: "wrong-password-123");

        var ex = await Assert.ThrowsAsync<EsmException>(() => client.GetSecurityEventsAsync([1], CancellationToken.None));

        Assert.Equal(EsmFailure.Authentication, ex.Failure);
        Assert.Contains("LoginService.login", ex.Message, StringComparison.Ordinal);
        Assert.Contains("LoginException", ex.Message, StringComparison.Ordinal);
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task A_429_is_retried_after_its_Retry_After()
    {
        _server.AddEvent(EsmTestKit.ExampleEvent);
        await using var client = EsmTestKit.Client(_server, _log.Logger);
        _server.Inject(new EsmFault.TooManyRequests(1));

        Assert.NotNull(await client.GetSecurityEventAsync(198236, CancellationToken.None));

        var r = _server.Requests;
        Assert.Equal(3, r.Count);   // login answered 429, login, call
        var waited = Stopwatch.GetElapsedTime(r[0].At, r[1].At);
        Assert.True(waited >= TimeSpan.FromSeconds(1), $"retried after {waited.TotalMilliseconds} ms, before Retry-After: 1");
        Assert.Equal(1, client.Retries);
    }

    [Fact]
    public async Task A_503_a_dropped_connection_and_a_slow_answer_past_the_timeout_are_retried_with_backoff()
    {
        _server.AddEvent(EsmTestKit.ExampleEvent);
        await using var client = EsmTestKit.Client(_server, _log.Logger, maxAttempts: 5, timeout: TimeSpan.FromMilliseconds(700));
        _server.Inject(new EsmFault.Unavailable(), new EsmFault.DropConnection(), new EsmFault.Slow(TimeSpan.FromSeconds(3)));

        var e = await client.GetSecurityEventAsync(198236, CancellationToken.None);

        Assert.Equal(198236, e!.EventId);
        Assert.Equal(3, client.Retries);
        Assert.Equal(1, _server.Logins);
    }

    [Fact]
    public async Task Other_4xx_fail_fast_without_retries()
    {
        await using var client = EsmTestKit.Client(_server, _log.Logger);
        _ = await client.FindAllCaseIdsAsync(CancellationToken.None);
        var before = _server.Requests.Count;
        _server.Inject(new EsmFault.ClientError(400));

        var ex = await Assert.ThrowsAsync<EsmException>(() => client.FindAllCaseIdsAsync(CancellationToken.None));

        Assert.Equal(EsmFailure.Rejected, ex.Failure);
        Assert.Equal(400, ex.StatusCode);
        Assert.Equal(before + 1, _server.Requests.Count);
    }

    [Fact]
    public async Task When_every_attempt_fails_the_error_is_transient_and_names_the_operation()
    {
        await using var client = EsmTestKit.Client(_server, _log.Logger, maxAttempts: 3);
        _ = await client.FindAllCaseIdsAsync(CancellationToken.None);
        _server.Inject(new EsmFault.Unavailable(), new EsmFault.Unavailable(), new EsmFault.Unavailable());

        var ex = await Assert.ThrowsAsync<EsmException>(() => client.FindAllCaseIdsAsync(CancellationToken.None));

        Assert.True(ex.Transient);
        Assert.Equal(503, ex.StatusCode);
        Assert.Equal(3, ex.Attempts);
        Assert.Contains("CaseService.findAllIds", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CaseService_findAllIds_getResourceById_getCaseEventIDs_and_update_follow_the_documented_forms()
    {
        _server.AddCase("""{"resourceid":"7pEo2gBABCB","name":"Re-image host","stage":"INITIAL","eventIDs":[198236,198237]}""");
        _server.AddCase("""{"resourceid":"9mUEWcBABD6","name":"One event","stage":"QUEUED","eventIDs":198238}""");
        await using var client = EsmTestKit.Client(_server, _log.Logger);

        Assert.Equal(["7pEo2gBABCB", "9mUEWcBABD6"], await client.FindAllCaseIdsAsync(CancellationToken.None));
        Assert.Equal([198236L, 198237L], await client.GetCaseEventIdsAsync("7pEo2gBABCB", CancellationToken.None));
        var resource = await client.GetCaseAsync("7pEo2gBABCB", CancellationToken.None);
        Assert.Equal("Re-image host", resource.GetProperty("name").GetString());

        var changed = System.Text.Json.Nodes.JsonNode.Parse(resource.GetRawText())!;
        changed["stage"] = "FOLLOW_UP";
        await client.UpdateCaseAsync(JsonDocument.Parse(changed.ToJsonString()).RootElement, CancellationToken.None);

        Assert.Equal("FOLLOW_UP", _server.Case("7pEo2gBABCB")["stage"]!.GetValue<string>());
        var ex = await Assert.ThrowsAsync<EsmException>(() => client.GetCaseAsync("nope", CancellationToken.None));
        Assert.Equal(EsmFailure.NotFound, ex.Failure);
        Assert.Contains("InvalidResourceIDException", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_the_servers_CA_in_caFile_the_TLS_handshake_fails_there_is_no_accept_any_certificate_switch()
    {
        var options = EsmTestKit.Options(_server, maxAttempts: 1);
        options.CaFile = null;   // the system trust store does not know the test CA
        await using var client = new EsmClient(options, _server.Password, _log.Logger);

        var ex = await Assert.ThrowsAsync<EsmException>(() => client.FindAllCaseIdsAsync(CancellationToken.None));

        Assert.Equal(EsmFailure.Unavailable, ex.Failure);
        Assert.Contains("connection failed", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_server.Requests);
        Assert.DoesNotContain(typeof(EsmOptions).GetProperties(), p => p.Name.Contains("Insecure", StringComparison.OrdinalIgnoreCase)
            || p.Name.Contains("Verify", StringComparison.OrdinalIgnoreCase) || p.Name.Contains("AcceptAny", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task LoginService_logout_ends_the_session_when_the_client_is_disposed()
    {
        var client = EsmTestKit.Client(_server, _log.Logger);
        _ = await client.FindAllCaseIdsAsync(CancellationToken.None);

        await client.DisposeAsync();

        Assert.Equal(1, _server.Logouts);
        Assert.Equal("/www/core-service/rest/LoginService/logout", _server.Requests[^1].Path);
    }

    [Fact]
    public async Task Neither_the_password_nor_any_token_reaches_a_log_line_or_an_exception_message_at_any_level()
    {
        _server.AddEvent(EsmTestKit.ExampleEvent);
        var messages = new List<string>();
        await using (var client = EsmTestKit.Client(_server, _log.Logger, maxAttempts: 2))
        {
            _server.Inject(new EsmFault.Unavailable());
            _ = await client.GetSecurityEventAsync(198236, CancellationToken.None);
            _server.ExpireAllTokens();
            _ = await client.GetSecurityEventAsync(198236, CancellationToken.None);
            _server.Inject(new EsmFault.DropConnection(), new EsmFault.DropConnection());
            messages.Add((await Assert.ThrowsAsync<EsmException>(() => client.FindAllCaseIdsAsync(CancellationToken.None))).Message);
            messages.Add((await Assert.ThrowsAsync<EsmException>(() => client.GetCaseAsync("x", CancellationToken.None))).Message);
        }
        await using (var wrong = EsmTestKit.Client(_server, _log.Logger, password: "Wr0ng-Pa55word"))
        {
            messages.Add((await Assert.ThrowsAsync<EsmException>(() => wrong.FindAllCaseIdsAsync(CancellationToken.None))).Message);
        }

        Assert.True(_log.Events.Any(e => e.Level == LogEventLevel.Debug), "the scan must cover debug output");
        Assert.True(_server.IssuedTokens.Count >= 2);
        var output = _log.Text + string.Join("\n", messages);
        foreach (var secret in _server.IssuedTokens.Append(_server.Password).Append("Wr0ng-Pa55word"))
        {
            Assert.DoesNotContain(secret, output, StringComparison.Ordinal);
            Assert.DoesNotContain(Uri.EscapeDataString(secret), output, StringComparison.Ordinal);
        }
    }
}
