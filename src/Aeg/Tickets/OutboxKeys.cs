using System.Collections.Concurrent;

namespace Aeg.Tickets;

/// <summary>What a key claim found: whether it was taken, and when a create for the key was last sent without an answer recorded.</summary>
public readonly record struct KeyClaim(bool Taken, DateTimeOffset? CreateSentAt);

/// <summary>
/// Claims on (target, dedupe key) in <c>ticket_key_claims</c>: one holder at a time may create or
/// update the key's ticket — one worker of one daemon or one <c>aeg tickets retry</c> process.
/// A claim row is taken with <c>BEGIN IMMEDIATE</c>, so two processes never both see it free.
/// The row also keeps <c>create_sent_at</c>: set (and fsync'd) before a create is sent, cleared
/// when the created ticket is recorded; found set, the create may have reached the ticket system,
/// so the next holder looks for the ticket before creating another.
/// </summary>
public sealed class OutboxKeys
{
    private readonly TicketOutbox _outbox;
    // Workers of one process share a holder id: this keeps two of them off one key as well.
    private readonly ConcurrentDictionary<(string, string), byte> _local = new();

    internal OutboxKeys(TicketOutbox outbox) => _outbox = outbox;

    /// <summary>Takes the key's claim if it is free, expired, or its holder died on this host.</summary>
    public KeyClaim TryClaim(string target, string dedupeKey)
    {
        if (!_local.TryAdd((target, dedupeKey), 0))
        {
            return new KeyClaim(false, null);
        }
        try
        {
            var claim = _outbox.InTransaction((connection, transaction) =>
            {
                var now = _outbox.NowMs;
                _outbox.Run(connection, transaction, $"{_outbox.Database.InsertIgnore} INTO ticket_key_claims ({_outbox.Database.KeyColumns()}) VALUES ({_outbox.Database.KeyValues})",
                    ("@target", target), ("@key", dedupeKey));
                var taken = _outbox.Run(connection, transaction, $"""
                    UPDATE ticket_key_claims SET claimed_by = @me, lease_until = @until
                    WHERE {_outbox.Database.KeyMatch()} AND (claimed_by IS NULL OR claimed_by = @me OR lease_until < @now)
                    """, ("@target", target), ("@key", dedupeKey), ("@until", now + (long)_outbox.Lease.TotalMilliseconds), ("@now", now)) == 1;
                using var read = _outbox.Command(connection, transaction, $"SELECT create_sent_at FROM ticket_key_claims WHERE {_outbox.Database.KeyMatch()}",
                    ("@target", target), ("@key", dedupeKey));
                var sent = read.ExecuteScalar() is string text ? DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture) : (DateTimeOffset?)null;
                return new KeyClaim(taken, sent);
            });
            if (!claim.Taken)
            {
                _local.TryRemove((target, dedupeKey), out _);
            }
            return claim;
        }
        catch
        {
            _local.TryRemove((target, dedupeKey), out _);
            throw;
        }
    }

    /// <summary>Waits for the key's claim, checking every <paramref name="every"/>, up to <paramref name="timeout"/>; a dead holder's claim is broken.</summary>
    public async Task<KeyClaim> ClaimAsync(string target, string dedupeKey, TimeSpan every, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = _outbox.Now + timeout;
        while (true)
        {
            var claim = TryClaim(target, dedupeKey);
            if (claim.Taken || _outbox.Now >= deadline)
            {
                return claim;
            }
            _outbox.BreakDeadHolders();
            await Task.Delay(every, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Records, durably, that a create for the key is about to be sent.</summary>
    public void MarkCreateSent(string target, string dedupeKey) => _outbox.Execute(durable: true,
        $"UPDATE ticket_key_claims SET create_sent_at = @at WHERE {_outbox.Database.KeyMatch()} AND claimed_by = @me",
        ("@at", TicketOutbox.Iso(_outbox.Now)), ("@target", target), ("@key", dedupeKey));

    /// <summary>Drops this process's note of the key after <see cref="TicketOutbox.Complete"/> freed its row.</summary>
    public void Forget(string target, string dedupeKey) => _local.TryRemove((target, dedupeKey), out _);

    /// <summary>Frees the key's claim (the request-sent mark stays).</summary>
    public void Release(string target, string dedupeKey)
    {
        try
        {
            _outbox.Execute($"UPDATE ticket_key_claims SET claimed_by = NULL, lease_until = 0 WHERE {_outbox.Database.KeyMatch()} AND claimed_by = @me",
                ("@target", target), ("@key", dedupeKey));
        }
        finally
        {
            _local.TryRemove((target, dedupeKey), out _);
        }
    }
}
