using System.Data.Common;
using Aeg.Annotations;
using Aeg.Configuration;
using Aeg.State;
using Serilog;

namespace Aeg.Ha;

/// <summary>
/// <c>aeg run</c> with <c>ha.enabled</c>: waits as a standby until this instance holds the lease,
/// then polls with the shared cursor until the lease is lost (back to standby) or a stop is requested.
/// </summary>
/// <param name="database">ESM's database, where the lease is taken and the shared state kept.</param>
/// <param name="ha">The lease and the shared state's table.</param>
/// <param name="poller">The retry delays of the wait for the lease.</param>
/// <param name="esm">The command timeout of the shared state's statements.</param>
/// <param name="stateDirectory">The local state, copied into an empty shared row once.</param>
/// <param name="hostName">Written beside the shared cursor, to say who wrote it.</param>
/// <param name="createPoller">A poller whose cursor lives in the given store, built afresh for each lease.</param>
/// <param name="log">Standby, active and lease changes.</param>
public sealed class ActiveStandbyPoller(AnnotationDatabase database, HaOptions ha, PollerOptions poller, DatabaseOptions esm,
    string stateDirectory, string hostName, Func<IAnnotationStateStore, AnnotationPoller> createPoller, ILogger log)
{
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        var delay = poller.RetryMinDelay;
        log.Information("Active/standby: waiting for lease {Lock} on {Database} (takeover {Takeover})",
            ha.LockName, database.Description, Logging.LogText.Duration(ha.Takeover));
        while (!stoppingToken.IsCancellationRequested)
        {
            PollerLease lease;
            try
            {
                lease = await PollerLease.AcquireAsync(database, ha, log, poller.RetryMinDelay, poller.RetryMaxDelay, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            await using (lease)
            {
                log.Information("Active: lease {Lock} acquired on connection {ConnectionId}", ha.LockName, lease.ConnectionId);
                try
                {
                    await PollWhileActiveAsync(lease, stoppingToken);
                    delay = poller.RetryMinDelay;
                }
                catch (LeaseLostException ex)
                {
                    log.Warning("Active: {Reason}; the cursor stays at the last committed batch", ex.Message);
                }
                catch (Exception ex) when (ex is DbException or StateFileException)
                {
                    // E.g. the state table cannot be created: give the lease to another instance
                    // (it may be set up better) and try again later.
                    log.Error("Active: cannot use the shared state ({Reason}); releasing the lease, retrying in {Delay}",
                        ex is StateFileException ? ex.Message : PollFailures.Describe(ex), Logging.LogText.Duration(delay));
                    await lease.DisposeAsync();
                    try
                    {
                        await Task.Delay(delay, stoppingToken);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, poller.RetryMaxDelay.Ticks));
                }
            }
            if (!stoppingToken.IsCancellationRequested)
            {
                log.Information("Standby again: waiting for lease {Lock}", ha.LockName);
            }
        }
    }

    private async Task PollWhileActiveAsync(PollerLease lease, CancellationToken stoppingToken)
    {
        var store = new SharedStateStore(lease, ha, hostName, esm.CommandTimeout);
        store.EnsureTable(ha.Database);
        SeedFromStateDirectory(store);
        await using var active = createPoller(store);
        active.Initialize();
        using var activeToken = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lease.Lost);
        await active.RunAsync(activeToken.Token);
        if (lease.IsLost)
        {
            throw new LeaseLostException($"lease {ha.LockName} lost");
        }
    }

    // Switching an existing single instance to active/standby keeps its cursor: the first active
    // instance copies its local state into the empty shared row.
    private void SeedFromStateDirectory(SharedStateStore store)
    {
        var file = new AnnotationStateFile(stateDirectory);
        if (store.Load() is not null || file.Load() is not { } local)
        {
            return;
        }
        store.Save(local);
        store.SaveVersions(file.LoadVersions());
        log.Information("Shared state was empty: seeded from {File} at {Cursor}", file.Path, local.Cursor);
    }
}
