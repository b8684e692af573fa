using Serilog;

namespace Aeg.Tickets;

/// <summary>
/// Sends the outbox's dead letters again through the normal dispatch path; a letter becomes done
/// only after it succeeded. Safe to run in several processes at once: each letter and each dedupe
/// key is claimed by one process at a time, so every key still gets one ticket.
/// </summary>
public static class DeadLetterReplay
{
    /// <summary>
    /// Replays every dead letter once, oldest first; returns how many succeeded, how many remain (failed again)
    /// and how many another process was replaying at the same time.
    /// </summary>
    public static async Task<(int Succeeded, int Remaining, int Taken)> ReplayAsync(TicketDispatcher dispatcher, ILogger log, CancellationToken cancellationToken)
    {
        var outbox = dispatcher.Outbox;
        int succeeded = 0, remaining = 0, taken = 0;
        using var beat = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var heartbeat = dispatcher.HeartbeatAsync(beat.Token);
        try
        {
            foreach (var letter in outbox.DeadLetters())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (outbox.ClaimById(letter.JobId, "dead") is not { } job)
                {
                    taken++;
                    log.Information("Dead letter {Job} (key {Key}) is done or being replayed by another process", letter.JobId, letter.DedupeKey);
                    continue;
                }
                // The store decides create or update, so a letter whose ticket was created meanwhile updates it instead.
                var (outcome, error) = await dispatcher.RunJobAsync(job, cancellationToken, outbox.Lease * 2).ConfigureAwait(false);
                if (outcome is DispatchOutcome.Failed or DispatchOutcome.Deferred)
                {
                    remaining++;
                    log.Error("Dead letter {Job} (key {Key}) failed again and stays: {Error}", letter.JobId, letter.DedupeKey, error);
                    continue;
                }
                succeeded++;
                log.Information("Dead letter {Job} (key {Key}) replayed: {Outcome}", letter.JobId, letter.DedupeKey, outcome);
            }
        }
        finally
        {
            await beat.CancelAsync().ConfigureAwait(false);
            await heartbeat.ConfigureAwait(false);
        }
        return (succeeded, remaining, taken);
    }
}
