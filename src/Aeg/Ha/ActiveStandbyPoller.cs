using System.Data.Common;
using Aeg.Annotations;
using Aeg.State;
using Aeg.Syslog;

namespace Aeg.Ha;

/// <summary>
/// <c>aeg run</c> with <c>ha.enabled</c>: waits as a standby until this instance holds the lease,
/// then polls with the shared cursor until the lease is lost (back to standby) or a stop is requested.
/// </summary>
public sealed class ActiveStandbyPoller(AnnotationHost host, ISyslogSender sender)
{
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        var ha = host.Options.Ha;
        var poller = host.Options.Poller;
        var log = host.Log;
        var delay = poller.RetryMinDelay;
        log.Information("Active/standby: waiting for lease {Lock} on {Database} (takeover {Takeover})",
            ha.LockName, host.Database.Description, ha.Takeover);
        while (!stoppingToken.IsCancellationRequested)
        {
            PollerLease lease;
            try
            {
                lease = await PollerLease.AcquireAsync(host.Database, ha, log, poller.RetryMinDelay, poller.RetryMaxDelay, stoppingToken);
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
                        ex is StateFileException ? ex.Message : PollFailures.Describe(ex), delay);
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
        var ha = host.Options.Ha;
        var store = new SharedStateStore(lease, ha, host.HostName, host.Options.Database.CommandTimeout);
        store.EnsureTable(ha.Database);
        SeedFromStateDirectory(store);
        await using var poller = host.CreatePoller(sender, store);
        poller.Initialize();
        using var active = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lease.Lost);
        await poller.RunAsync(active.Token);
        if (lease.IsLost)
        {
            throw new LeaseLostException($"lease {ha.LockName} lost");
        }
    }

    // Switching an existing single instance to active/standby keeps its cursor: the first active
    // instance copies its local state into the empty shared row.
    private void SeedFromStateDirectory(SharedStateStore store)
    {
        var file = new AnnotationStateFile(host.Options.State.Directory);
        if (store.Load() is not null || file.Load() is not { } local)
        {
            return;
        }
        store.Save(local);
        store.SaveVersions(file.LoadVersions());
        host.Log.Information("Shared state was empty: seeded from {File} at {Cursor}", file.Path, local.Cursor);
    }
}
