using System.Data.Common;

namespace Aeg.Esm;

/// <summary>The loop the ESM pollers (cases, query viewers) share: poll, wait the interval, again; a failed poll is reported and the next starts from the saved cursor.</summary>
public static class EsmPollLoop
{
    /// <summary>Runs <paramref name="pollOnce"/> every <paramref name="interval"/> until <paramref name="stop"/>; ESM, store and file errors go to <paramref name="failed"/>.</summary>
    public static async Task RunAsync(Func<CancellationToken, Task> pollOnce, TimeSpan interval, Action<Exception> failed, CancellationToken stop, TimeProvider? time = null)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await pollOnce(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is EsmException or DbException or IOException or InvalidDataException)
            {
                failed(ex);
            }
            try
            {
                await Task.Delay(interval, time ?? TimeProvider.System, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }
}
