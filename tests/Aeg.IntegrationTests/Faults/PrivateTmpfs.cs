using System.Diagnostics;

namespace Aeg.IntegrationTests.Faults;

/// <summary>
/// A small tmpfs mounted over a directory in a private mount namespace (<c>unshare -m</c>), so a
/// drill can fill it or remount it read-only without touching any file system the machine uses.
/// </summary>
/// <remarks>
/// A holder process keeps the namespace alive; aeg runs inside it through <see cref="Wrapper"/>
/// (<c>nsenter</c>), and the test reaches the same files through <c>/proc/&lt;holder&gt;/root</c>.
/// Root's writes ignore chmod, so a real full or read-only file system is the only honest way
/// to make the state directory unwritable. Needs CAP_SYS_ADMIN; see <see cref="UnavailableReason"/>.
/// </remarks>
internal sealed class PrivateTmpfs : IAsyncDisposable
{
    private static readonly Lazy<string?> Probe = new(ProbeMount);
    private readonly Process _holder;

    private PrivateTmpfs(string directory, Process holder)
    {
        Directory = directory;
        _holder = holder;
    }

    /// <summary>Null when private tmpfs mounts work here, else why not (for a skip message).</summary>
    public static string? UnavailableReason => Probe.Value;

    /// <summary>The mount point as aeg (inside the namespace) sees it.</summary>
    public string Directory { get; }

    /// <summary>Put before a command line to run it inside the namespace.</summary>
    public string[] Wrapper => ["nsenter", "-t", _holder.Id.ToString(), "-m", "--"];

    /// <summary>The same file as the test process reaches it from outside the namespace.</summary>
    public string Outside(string name) => $"/proc/{_holder.Id}/root{Path.Combine(Directory, name)}";

    public static async Task<PrivateTmpfs> MountAsync(string size)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("aeg-fault-tmpfs-").FullName;
        var psi = new ProcessStartInfo("unshare") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-m", "--propagation", "private", "sh", "-c", $"mount -t tmpfs -o size={size} tmpfs \"$0\" && echo mounted && exec sleep infinity", directory })
        {
            psi.ArgumentList.Add(a);
        }
        var holder = Process.Start(psi)!;
        var line = await holder.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        if (line != "mounted")
        {
            var error = await holder.StandardError.ReadToEndAsync();
            holder.Kill();
            throw new InvalidOperationException($"could not mount a private tmpfs: {error}");
        }
        return new PrivateTmpfs(directory, holder);
    }

    /// <summary>Remounts read-only or read-write inside the namespace (refused while a file is open for writing).</summary>
    public Task RemountAsync(bool readOnly) => InNamespaceAsync("mount", "-o", readOnly ? "remount,ro" : "remount,rw", Directory);

    /// <summary>
    /// Lays a read-only bind mount over the directory: every new open or rename fails with EROFS,
    /// even while a process keeps a file open for writing there (which a plain remount refuses).
    /// </summary>
    public Task AddReadOnlyViewAsync() =>
        InNamespaceAsync("sh", "-c", "mount --bind \"$0\" \"$0\" && mount -o remount,bind,ro \"$0\"", Directory);

    /// <summary>Removes the read-only view: the writable tmpfs is back under the same path.</summary>
    /// <remarks>
    /// Lazily (<c>umount -l</c>): aeg keeps trying to open its files while the view is there, so a plain umount can meet
    /// one of those opens in flight ("target is busy"). A file opened through the view stays read-only until closed,
    /// as after a real remount; new opens see the writable file system.
    /// </remarks>
    public Task RemoveReadOnlyViewAsync() => InNamespaceAsync("umount", "-l", Directory);

    private async Task InNamespaceAsync(params string[] command)
    {
        var psi = new ProcessStartInfo("nsenter") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-t", _holder.Id.ToString(), "-m", "--" }.Concat(command))
        {
            psi.ArgumentList.Add(a);
        }
        var (exit, output) = await OwnService.RunAsync(psi, TimeSpan.FromSeconds(30));
        if (exit != 0)
        {
            throw new InvalidOperationException($"{string.Join(' ', command)} failed: {output}");
        }
    }

    /// <summary>Writes a filler file until the file system reports it is full; returns the bytes written.</summary>
    public long Fill(string name)
    {
        var chunk = new byte[4096];
        long written = 0;
        using var file = new FileStream(Outside(name), FileMode.Create, FileAccess.Write, FileShare.None, 1);
        try
        {
            while (true)
            {
                file.Write(chunk);
                file.Flush();
                written += chunk.Length;
            }
        }
        catch (IOException)
        {
            return written;
        }
    }

    public async ValueTask DisposeAsync()
    {
        // The tmpfs lives only in the namespace: it goes away with the holder.
        _holder.Kill();
        await _holder.WaitForExitAsync();
        _holder.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    private static string? ProbeMount()
    {
        try
        {
            var psi = new ProcessStartInfo("unshare") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "-m", "--propagation", "private", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt && mount -o remount,ro /mnt && command -v nsenter" })
            {
                psi.ArgumentList.Add(a);
            }
            using var p = Process.Start(psi)!;
            var stderr = p.StandardError.ReadToEndAsync();
            var stdout = p.StandardOutput.ReadToEndAsync();
            if (!p.WaitForExit(30_000))
            {
                p.Kill();
                return "unshare -m did not finish within 30 s";
            }
            return p.ExitCode == 0
                ? null
                : $"this sandbox cannot mount a private tmpfs (unshare -m + mount -t tmpfs + remount,ro, exit {p.ExitCode}: {(stderr.Result + stdout.Result).Trim()}); as root, chmod does not stop writes, so there is no honest way to make the state directory full or read-only";
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return $"unshare is not available ({e.Message}; Debian package util-linux)";
        }
    }
}

/// <summary>A fact skipped, with the reason, where <see cref="PrivateTmpfs"/> cannot work (no CAP_SYS_ADMIN, no unshare).</summary>
public sealed class PrivateMountFactAttribute : FactAttribute
{
    public PrivateMountFactAttribute()
    {
        if (PrivateTmpfs.UnavailableReason is { } reason)
        {
            Skip = reason;
        }
    }
}
