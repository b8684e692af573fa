using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Aeg.Configuration;

/// <summary>Who besides Aeg's own user can read a secret file: its group and mode against the process's groups.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal static class SecretFileAccess
{
    /// <summary>The group the Debian package creates for the service.</summary>
    public const string ServiceGroup = "aeg";

    /// <summary>
    /// Why users other than Aeg's could read the file at <paramref name="path"/>, or null when only
    /// its owner and Aeg's groups can: <c>root:aeg 0640</c>, as the package installs secrets, is
    /// private, also when root runs <c>aeg config check</c> (root is not in group aeg, the service is).
    /// </summary>
    public static string? OtherReaders(string path)
    {
        var mode = File.GetUnixFileMode(path);
        if ((mode & UnixFileMode.OtherRead) != 0)
        {
            return "readable by every user";
        }
        if ((mode & UnixFileMode.GroupRead) == 0 || FileGroup(path) is not { } gid || ProcessGroups().Contains(gid)
            || GroupEntries().Any(g => g.Name == ServiceGroup && g.Gid == gid))
        {
            return null;
        }
        return $"readable by group {GroupName(gid)}, which aeg does not run in";
    }

    // statx, not stat: its buffer has one layout on every architecture.
    private static uint? FileGroup(string path)
    {
        var buffer = new byte[256];
        return statx(AtFdCwd, path, 0, StatxGid, buffer) == 0
            ? BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(StatxGidOffset))
            : null;
    }

    private static HashSet<uint> ProcessGroups()
    {
        var groups = new HashSet<uint> { getegid() };
        var count = getgroups(0, null);
        if (count > 0)
        {
            var list = new uint[count];
            count = getgroups(count, list);
            groups.UnionWith(list.Take(Math.Max(0, count)));
        }
        return groups;
    }

    // The name from /etc/group when it is there (the common case); the number otherwise.
    private static string GroupName(uint gid) =>
        GroupEntries().FirstOrDefault(g => g.Gid == gid) is { Name: { } name } ? $"{name} ({gid})" : $"{gid}";

    private static IEnumerable<(string Name, uint Gid)> GroupEntries()
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines("/etc/group");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
        return lines.Select(l => l.Split(':'))
            .Where(f => f.Length > 2 && uint.TryParse(f[2], System.Globalization.CultureInfo.InvariantCulture, out _))
            .Select(f => (f[0], uint.Parse(f[2], System.Globalization.CultureInfo.InvariantCulture)));
    }

    private const int AtFdCwd = -100;
    private const uint StatxGid = 0x10;
    private const int StatxGidOffset = 24;

#pragma warning disable SYSLIB1054 // DllImport as in AtomicFile: LibraryImport needs AllowUnsafeBlocks.
    [DllImport("libc", SetLastError = true)]
    private static extern int statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, [Out] byte[] buffer);

    [DllImport("libc")]
    private static extern uint getegid();

    [DllImport("libc")]
    private static extern int getgroups(int size, [Out] uint[]? list);
#pragma warning restore SYSLIB1054
}
