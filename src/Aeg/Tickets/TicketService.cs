using System.Threading.Channels;
using Aeg.Configuration;
using Serilog;

namespace Aeg.Tickets;

/// <summary>
/// Everything ticket dispatch needs, built from the config: actions, the outbox (jobs, dead letters,
/// dedupe store) and the dispatcher. The daemon's <c>CefTicketPipeline</c> creates one and runs it over the queue's reader.
/// </summary>
public sealed class TicketService : IDisposable
{
    private readonly TicketSystems _systems;
    private readonly TimeSpan _drainTimeout;

    private TicketService(TicketSystems systems, TicketDispatcher dispatcher, TimeSpan drainTimeout)
    {
        _systems = systems;
        Dispatcher = dispatcher;
        _drainTimeout = drainTimeout;
    }

    public TicketDispatcher Dispatcher { get; }

    public TicketCounters Counters => Dispatcher.Counters;

    /// <summary>The durable outbox in <c>tickets.db</c>.</summary>
    public TicketOutbox Outbox => Dispatcher.Outbox;

    /// <summary>The configured ticket systems' actions, by name.</summary>
    public IReadOnlyDictionary<string, ITicketAction> Actions => _systems.Actions;

    /// <summary>
    /// Reads secrets (a <see cref="ConfigException"/> names a missing one), opens <c>tickets.db</c> in the state
    /// directory (or uses <paramref name="database"/>, the store <c>tickets.store</c> names) and moves dead-letter files of earlier versions into it.
    /// </summary>
    public static TicketService Create(TicketsOptions options, string stateDirectory, string configFile, ILogger log, Store.IOutboxDatabase? database = null)
    {
        var counters = new TicketCounters();
        var systems = TicketSystems.Create(options, configFile, log, counters);
        var dispatcher = CreateDispatcher(options, stateDirectory, systems, log, counters, database);
        return new TicketService(systems, dispatcher, options.DrainTimeout);
    }

    /// <summary>The outbox and a dispatcher over <paramref name="systems"/>; shared with <c>aeg tickets retry</c>.</summary>
    public static TicketDispatcher CreateDispatcher(TicketsOptions options, string stateDirectory, TicketSystems systems, ILogger log, TicketCounters counters,
        Store.IOutboxDatabase? database = null)
    {
        var outboxOptions = options.Outbox ?? new();
        var outbox = new TicketOutbox(database ?? new Store.SqliteOutboxDatabase(TicketStore.DefaultPath(stateDirectory)), outboxOptions.Lease);
        var imported = new DeadLetterStore(options.DeadLetterPath(stateDirectory))
            .ImportInto(outbox, (file, reason) => log.Error("Dead-letter file {File} cannot be read and stays in place: {Reason}", file, reason));
        if (imported > 0)
        {
            log.Information("Moved {Count} dead-letter file(s) from {Directory} into the ticket outbox", imported, options.DeadLetterPath(stateDirectory));
        }
        return new TicketDispatcher(systems.Actions, outbox, systems.Scrubber, log, counters, options.Workers) { KeepDone = outboxOptions.KeepDone };
    }

    /// <summary>
    /// Dispatches until the queue completes and the outbox is drained; once <paramref name="shutdown"/> fires,
    /// pending jobs may still be sent for <c>tickets.drainTimeout</c>, then the rest stays in the outbox for the next start.
    /// The caller completes the queue's writer when it stops receiving.
    /// </summary>
    public async Task RunAsync(ChannelReader<TicketWork> reader, CancellationToken shutdown)
    {
        using var stop = new CancellationTokenSource();
        await using var registration = shutdown.Register(() => stop.CancelAfter(_drainTimeout));
        await Dispatcher.RunAsync(reader, stop.Token).ConfigureAwait(false);
    }

    public void Dispose() => _systems.Dispose();
}
