using System.Data.Common;
using System.Net.Sockets;
using Aeg.Configuration;
using Aeg.State;
using Aeg.Syslog;
using Polly;
using Polly.Retry;

namespace Aeg.Annotations;

/// <summary>Which poll failures are retried, and how they are logged without leaking secrets.</summary>
internal static class PollFailures
{
    /// <summary>Exponential backoff with jitter between poller.retryMinDelay and retryMaxDelay; none for <paramref name="retries"/> ≤ 0.</summary>
    public static ResiliencePipeline RetryPipeline(int retries, PollerOptions options, Action<Exception?, int, TimeSpan> onRetry)
    {
        if (retries <= 0)
        {
            return ResiliencePipeline.Empty;
        }
        return new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransient),
                MaxRetryAttempts = retries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryMinDelay,
                MaxDelay = options.RetryMaxDelay,
                OnRetry = args =>
                {
                    onRetry(args.Outcome.Exception, args.AttemptNumber, args.RetryDelay);
                    return default;
                },
            })
            .Build();
    }

    /// <summary>
    /// Counts <paramref name="ex"/> in <c>aeg_annotation_database_failures_total</c> when it is the
    /// database's and says whether it was. A connection reset in the middle of a result does not
    /// always surface as a DbException; the health source saw the read fail all the same.
    /// </summary>
    public static bool CountDatabaseFailure(Exception? ex, AnnotationCounters counters)
    {
        if (ex is DbException || counters.DatabaseProblem is not null)
        {
            counters.DatabaseFailed();
            return true;
        }
        return false;
    }

    /// <summary>
    /// Stops a read-ahead whose command may still be running. MySqlConnector's cancel callback
    /// throws when the connection is already gone (3.0: SocketException from the session's
    /// RemoteEndPoint); that is no failure of ours, and letting it out of a finally block would
    /// replace the read's own exception, which the retry policy needs to see.
    /// </summary>
    public static async Task CancelReadAheadAsync(CancellationTokenSource readAhead)
    {
        try
        {
            await readAhead.CancelAsync();
        }
        catch (AggregateException ex) when (ex.InnerExceptions.All(IsTransient))
        {
        }
    }

    public static bool IsTransient(Exception ex) =>
        // UnauthorizedAccessException: an unwritable state directory is retried (and /readyz says so) until fixed.
        ex is AggregateException { InnerExceptions.Count: > 0 } a ? a.InnerExceptions.All(IsTransient) :
        ex is DbException or SyslogSendException or SocketException or IOException or TimeoutException or UnauthorizedAccessException
        || (ex is InvalidOperationException && ex.Source?.StartsWith("MySql", StringComparison.Ordinal) == true);

    // Exception text from a provider can carry a connection string; log only the type and, for
    // our own exceptions and database errors, the message (which MySQL does not fill with secrets).
    internal static string Describe(Exception? ex) => ex switch
    {
        null => "unknown",
        SyslogSendException s => s.Message,
        StateWriteException s => s.Message,
        DbException d => $"{d.GetType().Name}: {d.Message}",
        _ => ex.GetType().Name,
    };
}
