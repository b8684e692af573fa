using System.Runtime.InteropServices;

namespace Aeg.Cli;

/// <summary>
/// Turns SIGTERM (systemd stop) and SIGINT into a cancellation the daemon commands stop on
/// gracefully; without it the runtime ends the process on SIGTERM before anything is drained.
/// </summary>
internal sealed class ShutdownSignals : IDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly PosixSignalRegistration _term, _interrupt;

    public ShutdownSignals(CancellationToken cancellationToken)
    {
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
    }

    /// <summary>Cancelled on SIGTERM, SIGINT or when the command's own token is.</summary>
    public CancellationToken Token => _stop.Token;

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        _stop.Cancel();
    }

    public void Dispose()
    {
        _term.Dispose();
        _interrupt.Dispose();
        _stop.Dispose();
    }
}
