using System.Data.Common;
using System.Globalization;
using Aeg.Annotations;
using Serilog;

namespace Aeg.Ha;

/// <summary>The lease is gone or could not be confirmed: the poller must stop before the cursor moves.</summary>
public sealed class LeaseLostException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The right to poll: a MySQL <c>GET_LOCK</c> held on a dedicated connection, confirmed by a
/// heartbeat. The server frees the lock when that connection ends — a killed process at once, a
/// frozen or cut-off one after the session <c>wait_timeout</c>, which is set to <see cref="HaOptions.Takeover"/>.
/// </summary>
public sealed class PollerLease : IAsyncDisposable
{
    // How long one GET_LOCK call of a standby blocks; a freed lock is taken at once regardless.
    private const int StandbyWaitSeconds = 1;

    private readonly DbConnection _connection;
    private readonly HaOptions _options;
    private readonly ILogger _log;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _lost = new();
    private readonly CancellationTokenSource _stopHeartbeat = new();
    private readonly Thread _heartbeat;
    private volatile bool _isLost;
    private bool _disposed;

    private PollerLease(DbConnection connection, long connectionId, HaOptions options, ILogger log)
    {
        _connection = connection;
        ConnectionId = connectionId;
        _options = options;
        _log = log;
        // A thread of its own, not the thread pool: a busy pool (a drain doing synchronous
        // database reads) must not delay the heartbeat past wait_timeout and lose the lease.
        _heartbeat = new Thread(Heartbeat) { IsBackground = true, Name = "aeg-lease-heartbeat" };
        _heartbeat.Start();
    }

    /// <summary>The server's id of the connection holding the lock.</summary>
    public long ConnectionId { get; }

    /// <summary>Cancelled when the lease is lost (or released).</summary>
    public CancellationToken Lost => _lost.Token;

    public bool IsLost => _isLost;

    /// <summary>
    /// Waits as a standby until the lock is free and taken; reconnects (with backoff between
    /// <paramref name="retryMin"/> and <paramref name="retryMax"/>) while the database is away.
    /// </summary>
    public static async Task<PollerLease> AcquireAsync(AnnotationDatabase database, HaOptions options, ILogger log,
        TimeSpan retryMin, TimeSpan retryMax, CancellationToken cancellationToken)
    {
        var announced = false;
        var delay = retryMin;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            DbConnection? connection = null;
            try
            {
                connection = await database.OpenDedicatedAsync(cancellationToken);
                Execute(connection, options, $"SET SESSION wait_timeout = {(long)options.Takeover.TotalSeconds}", null);
                var id = Convert.ToInt64(Execute(connection, options, "SELECT CONNECTION_ID()", null), CultureInfo.InvariantCulture);
                while (true)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    // GET_LOCK blocks in the server and Execute is synchronous: off the caller's thread.
                    var c = connection;
                    var got = await Task.Run(() => Execute(c, options, $"SELECT GET_LOCK(@name, {StandbyWaitSeconds})", options.LockName), CancellationToken.None);
                    if (got is DBNull or null)
                    {
                        throw new LeaseLostException("GET_LOCK returned NULL (the server refused the lock)");
                    }
                    if (Convert.ToInt64(got, CultureInfo.InvariantCulture) == 1)
                    {
                        var lease = new PollerLease(connection, id, options, log);
                        connection = null;
                        return lease;
                    }
                    if (!announced)
                    {
                        var holder = Execute(connection, options, "SELECT IS_USED_LOCK(@name)", options.LockName);
                        log.Information("Standby: lease {Lock} is held by connection {Holder}; taking over when it is freed",
                            options.LockName, holder is DBNull ? "(none)" : holder);
                        announced = true;
                    }
                    delay = retryMin;
                }
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // Any failure (the server away, a refused lock, a driver fault) costs this
                // connection only: wait and start again on a new one.
                log.Warning("Standby: cannot wait for lease {Lock} ({Reason}); retrying in {Delay}",
                    options.LockName, PollFailures.Describe(ex), Logging.LogText.Duration(delay));
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, retryMax.Ticks));
                announced = false;
            }
            finally
            {
                if (connection is not null)
                {
                    await connection.DisposeAsync();
                }
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="action"/> on the lease connection once the server confirmed that this
    /// connection still holds the lock. Only the holder can release it, so nobody else can take it
    /// between the check and the action: a write done here is fenced. Throws
    /// <see cref="LeaseLostException"/> when the lease is gone; other failures of the action pass
    /// through while the lease still stands.
    /// </summary>
    public T Fenced<T>(Func<DbConnection, T> action)
    {
        lock (_gate)
        {
            ConfirmHeld();
            try
            {
                return action(_connection);
            }
            catch (DbException ex)
            {
                // A failed statement may or may not have cost the connection (and with it the lock).
                ConfirmHeld(ex);
                throw;
            }
            catch (Exception ex) when (ex is not LeaseLostException)
            {
                // The driver failed in a way that leaves the connection's protocol state unknown.
                Lose($"the lease connection failed: {PollFailures.Describe(ex)}");
                throw new LeaseLostException($"lease {_options.LockName} lost: the lease connection failed", ex);
            }
        }
    }

    /// <summary>A command on the lease connection with the lease's timeouts.</summary>
    public DbCommand CreateCommand(DbConnection connection, string sql, TimeSpan timeout)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = (int)Math.Ceiling(timeout.TotalSeconds);
        return command;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        await _stopHeartbeat.CancelAsync();
        await Task.Run(_heartbeat.Join);
        lock (_gate)
        {
            if (!IsLost)
            {
                try
                {
                    // Released at once so that a standby takes over without waiting for the close to be noticed.
                    Execute(_connection, _options, "DO RELEASE_LOCK(@name)", _options.LockName);
                    _log.Information("Lease {Lock} released", _options.LockName);
                }
                catch (Exception ex) when (IsDatabaseFailure(ex))
                {
                    // Closing the connection below frees it as well.
                }
            }
            MarkLost();
        }
        await _connection.DisposeAsync();
        _stopHeartbeat.Dispose();
    }

    private void Heartbeat()
    {
        while (!_stopHeartbeat.Token.WaitHandle.WaitOne(_options.HeartbeatInterval))
        {
            lock (_gate)
            {
                if (IsLost)
                {
                    return;
                }
                try
                {
                    ConfirmHeld();
                }
                catch (LeaseLostException)
                {
                    return;
                }
            }
        }
    }

    // Caller holds _gate.
    private void ConfirmHeld(Exception? cause = null)
    {
        if (IsLost)
        {
            throw new LeaseLostException($"lease {_options.LockName} was lost earlier", cause);
        }
        string reason;
        Exception? inner = cause;
        try
        {
            var holder = Execute(_connection, _options, "SELECT IS_USED_LOCK(@name)", _options.LockName);
            if (holder is not DBNull && Convert.ToInt64(holder, CultureInfo.InvariantCulture) == ConnectionId)
            {
                return;
            }
            reason = holder is DBNull ? "the lock is free" : $"connection {holder} holds the lock";
        }
        catch (Exception ex)
        {
            // Whatever the failure, the lock can no longer be vouched for.
            reason = "the lease connection failed: " + PollFailures.Describe(ex);
            inner = ex;
        }
        Lose(reason);
        throw new LeaseLostException($"lease {_options.LockName} lost: {reason}", inner);
    }

    private void Lose(string reason)
    {
        _log.Warning("Lease {Lock} lost ({Reason}); the poller stops before the cursor moves", _options.LockName, reason);
        MarkLost();
        // Closing the connection makes sure the server frees the lock if it still counts it as ours.
        try
        {
            _connection.Close();
        }
        catch (Exception)
        {
            // Already broken: nothing more to free.
        }
    }

    // The token's callbacks (the poller's stop) run on the thread pool, never inline under _gate
    // or on the heartbeat task, which DisposeAsync waits for.
    private void MarkLost()
    {
        _isLost = true;
        _ = _lost.CancelAsync();
    }

    // Synchronous on purpose: the poller's state writes (which run through here) are synchronous.
    private static object? Execute(DbConnection connection, HaOptions options, string sql, string? name)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        // A check that takes longer than a heartbeat means the server is unreachable: better to
        // give up the lease (the server frees it after the takeover time) than to hang on to it.
        command.CommandTimeout = (int)Math.Ceiling(options.HeartbeatInterval.TotalSeconds) + StandbyWaitSeconds;
        if (name is not null)
        {
            AnnotationDatabase.AddParameter(command, "@name", name);
        }
        return command.ExecuteScalar();
    }

    private static bool IsDatabaseFailure(Exception ex) =>
        ex is DbException or IOException or TimeoutException or System.Net.Sockets.SocketException or InvalidOperationException;
}
