namespace Aeg.Tickets;

/// <summary>One ticket system as a sink: create a ticket from rendered fields, or update an existing one.</summary>
/// <remarks>Implementations throw <see cref="TicketActionException"/> for every failure, with a message free of secrets.</remarks>
public interface ITicketAction
{
    /// <summary>The system's name in <c>tickets.systems</c>.</summary>
    string Name { get; }

    /// <summary>Creates a ticket; the result holds its id (RT number, Jira key, ExtraHop detection id, webhook id).</summary>
    Task<TicketResult> CreateAsync(IReadOnlyDictionary<string, string> fields, CancellationToken cancellationToken);

    /// <summary>Applies <paramref name="fields"/> (comments, status, field changes) to an existing ticket.</summary>
    Task UpdateAsync(string ticketRef, IReadOnlyDictionary<string, string> fields, CancellationToken cancellationToken);

    /// <summary>
    /// Reopens the ticket when it is resolved (RT: Status open; Jira: a transition out of the done category);
    /// true when it did. Systems without a resolved state answer false.
    /// </summary>
    Task<bool> ReopenIfResolvedAsync(string ticketRef, CancellationToken cancellationToken) => Task.FromResult(false);

    /// <summary>
    /// <see cref="UpdateAsync"/>, then the fields the system answered 2xx to but did not store (read back where the
    /// system is known to drop values silently: RT custom fields); empty where nothing is read back.
    /// </summary>
    async Task<IReadOnlyList<UnstoredField>> UpdateCheckedAsync(string ticketRef, IReadOnlyDictionary<string, string> fields, CancellationToken cancellationToken)
    {
        await UpdateAsync(ticketRef, fields, cancellationToken).ConfigureAwait(false);
        return [];
    }

    /// <summary>
    /// Creates a ticket marked with <paramref name="idempotencyKey"/> (stable per target and dedupe key) where the
    /// system can carry it, so <see cref="FindCreatedAsync"/> can find it after a crash.
    /// </summary>
    Task<TicketResult> CreateAsync(IReadOnlyDictionary<string, string> fields, string idempotencyKey, CancellationToken cancellationToken) =>
        CreateAsync(fields, cancellationToken);

    /// <summary>
    /// The ticket an earlier create with <paramref name="idempotencyKey"/> made, sent at <paramref name="sentAt"/> with no
    /// answer recorded (a crash); null when there is none or the system cannot tell (the create is then sent again).
    /// </summary>
    Task<TicketResult?> FindCreatedAsync(IReadOnlyDictionary<string, string> fields, string idempotencyKey, DateTimeOffset sentAt, CancellationToken cancellationToken) =>
        Task.FromResult<TicketResult?>(null);

    /// <summary>The ticket's page for a person (<c>{{ticket.&lt;target&gt;.url}}</c>), without credentials; null where the system has none.</summary>
    string? TicketUrl(string ticketRef) => null;
}

/// <summary>Builds the browser address of a ticket from a system's configured URL, never with its user name or password.</summary>
public static class TicketPageUrl
{
    /// <summary><paramref name="baseUrl"/> without userinfo, query or fragment, with <paramref name="pathAndQuery"/> appended.</summary>
    public static string Of(Uri baseUrl, string pathAndQuery)
    {
        var clean = new UriBuilder(baseUrl) { UserName = "", Password = "", Query = "", Fragment = "" }.Uri.GetLeftPart(UriPartial.Path);
        return clean.TrimEnd('/') + "/" + pathAndQuery;
    }
}

/// <summary>The idempotency key of a (target, dedupe key): stable across processes and restarts, free of the key's text.</summary>
public static class TicketIdempotency
{
    /// <summary><c>aeg-</c> + 32 hex digits of SHA-256 over target and key.</summary>
    public static string Key(string target, string dedupeKey) =>
        "aeg-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(target + "\n" + dedupeKey)))[..32];
}

/// <summary>The ticket a create call made.</summary>
public sealed record TicketResult(string TicketRef)
{
    /// <summary>Fields the system accepted with 2xx but did not store (found by reading the ticket back).</summary>
    public IReadOnlyList<UnstoredField> Unstored { get; init; } = [];
}

/// <summary>A field value a ticket system answered 2xx to but did not keep: what was sent, what the ticket holds.</summary>
public sealed record UnstoredField(string Field, string Sent, string Stored);

/// <summary>A ticket action failed; <see cref="Transient"/> says whether retrying later may succeed.</summary>
public sealed class TicketActionException : Exception
{
    public TicketActionException(string message, bool transient, int? statusCode = null, int attempts = 1) : base(message)
    {
        Transient = transient;
        StatusCode = statusCode;
        Attempts = attempts;
    }

    /// <summary>True for connection errors, timeouts, 429 and 5xx (after the retries ran out); false for bad requests and rejected credentials.</summary>
    public bool Transient { get; }
    /// <summary>The HTTP status of the last response, if any.</summary>
    public int? StatusCode { get; }
    /// <summary>How many HTTP attempts were made.</summary>
    public int Attempts { get; }
}
