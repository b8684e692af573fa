using Serilog;

namespace Aeg.Tickets;

/// <summary>Sends dead letters again through the normal dispatch path; a letter is removed only after it succeeded.</summary>
public static class DeadLetterReplay
{
    /// <summary>Replays every dead letter once, oldest first; returns how many succeeded and how many remain.</summary>
    public static async Task<(int Succeeded, int Remaining)> ReplayAsync(DeadLetterStore deadLetters, TicketDispatcher dispatcher, ILogger log, CancellationToken cancellationToken)
    {
        var letters = deadLetters.ReadAll((file, reason) => log.Error("Dead letter {File} cannot be read and stays in place: {Reason}", file, reason));
        int succeeded = 0, remaining = 0;
        foreach (var letter in letters)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // The store decides create or update, so a letter whose ticket was created meanwhile updates it instead.
            var (outcome, error) = await dispatcher.ProcessAsync(letter.ToWork(), cancellationToken, deadLetterOnFailure: false).ConfigureAwait(false);
            if (outcome == DispatchOutcome.Failed)
            {
                remaining++;
                log.Error("Dead letter {File} failed again and stays in place: {Error}", Path.GetFileName(letter.File), error);
                continue;
            }
            DeadLetterStore.Delete(letter);
            succeeded++;
            log.Information("Dead letter {File} replayed: {Outcome}", Path.GetFileName(letter.File), outcome);
        }
        return (succeeded, remaining);
    }
}
