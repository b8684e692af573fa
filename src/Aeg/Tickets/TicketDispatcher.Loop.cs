using System.Data.Common;
using System.Threading.Channels;
using Serilog;

namespace Aeg.Tickets;

// The dispatcher's intake and loop: queued work committed to the outbox in batches, workers started and fed, leases kept alive.
public sealed partial class TicketDispatcher
{
    /// <summary>Dispatches until <paramref name="reader"/> completes and the outbox has no pending job (drained), or <paramref name="stop"/> is cancelled.</summary>
    public async Task RunAsync(ChannelReader<TicketWork> reader, CancellationToken stop)
    {
        try
        {
            var broken = Outbox.BreakDeadHolders();
            var pruned = Outbox.PruneDone(KeepDone);
            var counts = Outbox.Counts();
            _log.Information("Ticket outbox {Path}: {Pending} pending job(s) to resume ({Broken} lease holder(s) found dead), {Dead} dead letter(s); {Pruned} old done job(s) pruned",
                Outbox.Store.Path, counts.Pending, broken, counts.Dead, pruned);
        }
        catch (DbException ex)
        {
            // A shared store that went away: the loop below keeps trying, and lease expiry returns what was held.
            _log.Error("Ticket outbox {Path}: cannot read it at start: {Reason}", Outbox.Store.Path, ex.Message);
        }
        using var beat = new CancellationTokenSource();
        var heartbeat = HeartbeatAsync(beat.Token);
        var accept = Task.Run(() => AcceptAsync(reader, stop), CancellationToken.None);
        var running = new List<Task>();
        try
        {
            while (!stop.IsCancellationRequested)
            {
                running.RemoveAll(t => t.IsCompleted);
                var claimed = 0;
                bool idle;
                try
                {
                    if (running.Count < _workers)
                    {
                        foreach (var job in Outbox.Claim(_workers - running.Count))
                        {
                            running.Add(Task.Run(() => RunJobAsync(job, stop), CancellationToken.None));
                            claimed++;
                        }
                    }
                    idle = claimed == 0 && running.Count == 0 && accept.IsCompleted && !Outbox.HasWork();
                }
                catch (DbException ex)
                {
                    // The jobs stay in the file; the next poll tries again.
                    _log.Error("Ticket outbox: claiming jobs failed: {Reason}", ex.Message);
                    idle = false;
                }
                if (idle)
                {
                    break;
                }
                try
                {
                    await _wake.WaitAsync(PollInterval, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }
        finally
        {
            await Task.WhenAll(running).ConfigureAwait(false);
            await accept.ConfigureAwait(false);
            await beat.CancelAsync().ConfigureAwait(false);
            await heartbeat.ConfigureAwait(false);
        }
        try
        {
            var final = Outbox.Counts();
            _log.Information("Ticket dispatcher stopped: {Counters}; outbox: {Pending} pending, {Dead} dead letters, {Done} done",
                Counters, final.Pending, final.Dead, final.Done);
        }
        catch (DbException ex)
        {
            _log.Information("Ticket dispatcher stopped: {Counters}; outbox unreadable: {Reason}", Counters, ex.Message);
        }
    }

    /// <summary>Keeps this process's leases alive and frees those of holders that died on this host, until cancelled.</summary>
    public async Task HeartbeatAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Outbox.Lease / 3);
        var lastPrune = Outbox.Now;
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    Outbox.Renew();
                    Outbox.BreakDeadHolders();
                    if (Outbox.Now - lastPrune > TimeSpan.FromHours(1))
                    {
                        lastPrune = Outbox.Now;
                        Outbox.PruneDone(KeepDone);
                    }
                }
                catch (DbException ex)
                {
                    _log.Error("Ticket outbox: renewing leases failed: {Reason}", ex.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    // Commits queued work in batches (one fsync each). Runs on after stop until the queue is empty,
    // so work the listener handed over is on disk before the process ends.
    private async Task AcceptAsync(ChannelReader<TicketWork> reader, CancellationToken stop)
    {
        var batch = new List<TicketWork>(MaxBatch);
        while (true)
        {
            bool more;
            try
            {
                more = await reader.WaitToReadAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                more = false;
            }
            while (batch.Count < MaxBatch && reader.TryRead(out var work))
            {
                batch.Add(work);
            }
            if (batch.Count == 0 && !more)
            {
                return;
            }
            await CommitAsync(batch, stop).ConfigureAwait(false);
            batch.Clear();
            _wake.Release();
        }
    }

    private async Task CommitAsync(List<TicketWork> batch, CancellationToken stop)
    {
        while (true)
        {
            try
            {
                Outbox.Add(batch);
                Counters.AddAccepted(batch.Count);
                return;
            }
            catch (Exception ex) when (ex is DbException or IOException)
            {
                if (stop.IsCancellationRequested)
                {
                    _log.Fatal("Ticket outbox: LOST {Count} ticket work item(s) at shutdown: cannot write {Path}: {Reason}", batch.Count, Outbox.Store.Path, ex.Message);
                    return;
                }
                // A full disk or a locked file passes; the queue in front holds (or sheds, counted) meanwhile.
                _log.Error("Ticket outbox: cannot write {Count} job(s) to {Path}, retrying in 1s: {Reason}", batch.Count, Outbox.Store.Path, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None).ConfigureAwait(false);
            }
        }
    }
}
