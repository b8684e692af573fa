using System.Threading.Channels;
using Aeg.Configuration;
using Serilog;

namespace Aeg.Tickets;

/// <summary>
/// Everything ticket dispatch needs, built from the config: actions, store, dead letters and the
/// dispatcher. The daemon's <c>CefTicketPipeline</c> creates one and run it over the queue's reader.
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

    /// <summary>Reads secrets (a <see cref="ConfigException"/> names a missing one) and opens <c>tickets.db</c> in the state directory.</summary>
    public static TicketService Create(TicketsOptions options, string stateDirectory, string configFile, ILogger log)
    {
        var counters = new TicketCounters();
        var systems = TicketSystems.Create(options, configFile, log, counters);
        var store = new TicketStore(TicketStore.DefaultPath(stateDirectory));
        var deadLetters = new DeadLetterStore(options.DeadLetterPath(stateDirectory));
        var dispatcher = new TicketDispatcher(systems.Actions, store, deadLetters, systems.Scrubber, log, counters, options.Workers);
        return new TicketService(systems, dispatcher, options.DrainTimeout);
    }

    /// <summary>
    /// Dispatches until the queue completes; once <paramref name="shutdown"/> fires, what is queued
    /// may still be sent for <c>tickets.drainTimeout</c>, then the rest goes to dead letters.
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
