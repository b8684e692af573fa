using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Aeg.IntegrationTests.Packaging;

/// <summary>
/// The Debian package as scripts/package/build-deb.sh builds it (from the native aeg the process
/// tests run), unpacked into a throwaway root with <c>dpkg-deb -x</c>: one executable, the unit,
/// the conffile; <c>aeg --version</c> and <c>aeg config check</c> run from that root under chroot,
/// so they see its /etc/aeg and nothing of the build tree. The unit passes systemd-analyze.
/// </summary>
/// <remarks>
/// Why dpkg-deb -x and chroot rather than dpkg --root: dpkg runs the maintainer scripts chrooted
/// into the root, which would need a whole Debian there (sh, adduser, dpkg-statoverride);
/// the postinst is checked in a debootstrap root by hand (README "Install"), this test checks the
/// package's files and that the binary runs from them alone. chroot needs root, as the tests have.
/// </remarks>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DebianPackageTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("aeg-deb-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task The_package_installs_one_executable_that_reports_its_version_and_passes_its_config_check()
    {
        var deb = await BuildAsync();
        var root = Path.Combine(_dir, "root");
        await RunAsync("dpkg-deb", "-x", deb, root);
        var control = (await RunAsync("dpkg-deb", "-f", deb, "Package", "Version", "Architecture")).Stdout;
        var conffiles = (await RunAsync("dpkg-deb", "-I", deb, "conffiles")).Stdout;
        var executables = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Where(IsElf).Select(f => Path.GetRelativePath(root, f)).ToList();
        await CopyLibrariesAsync(root);
        var password = Path.Combine(root, "etc/aeg/db-password");
        File.WriteAllText(password, "not-a-real-password\n");
        File.SetUnixFileMode(password, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);

        var version = await RunAsync("chroot", root, "/usr/bin/aeg", "--version");
        var check = await RunAsync("chroot", root, "/usr/bin/aeg", "config", "check", "--config", "/etc/aeg/aeg.yaml");

        Assert.Equal(["usr/bin/aeg"], executables);
        var packageVersion = Regex.Match(control, @"^Version: (\S+)$", RegexOptions.Multiline).Groups[1].Value;
        Assert.Matches(@"^Package: aeg\nVersion: \S+\nArchitecture: amd64$", control.Trim());
        Assert.Matches(@"\.deb$", deb);
        Assert.EndsWith($"aeg_{packageVersion}_amd64.deb", deb);
        Assert.StartsWith(packageVersion + "+", version.Stdout.Trim());
        Assert.True(File.Exists(Path.Combine(root, "lib/systemd/system/aeg.service")));
        Assert.True(File.Exists(Path.Combine(root, "usr/share/doc/aeg/examples/aeg.yaml")));
        Assert.True(File.Exists(Path.Combine(root, "usr/share/doc/aeg/copyright")));
        Assert.Equal("/etc/aeg/aeg.yaml", conffiles.Trim());
        Assert.True(check.Exit == 0, $"aeg config check in the package root: exit {check.Exit}\n{check.Stdout}{check.Stderr}");
        Assert.DoesNotContain("problem", check.Stdout.Replace("0 problems", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("warning", check.Stdout + check.Stderr, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task The_shipped_unit_verifies_and_its_exposure_is_at_most_2()
    {
        var unit = TestServices.RepoFile("content/systemd/aeg.service");
        Assert.True(File.Exists("/usr/bin/systemd-analyze"), "systemd-analyze (package systemd) is not installed");
        // verify looks under --root for ExecStart's binary and the units the unit depends on
        // (sysinit.target, ...): a root with the host's units, the unit and an aeg.
        var root = Path.Combine(_dir, "verify-root");
        Directory.CreateDirectory(Path.Combine(root, "usr/bin"));
        Directory.CreateDirectory(Path.Combine(root, "etc/systemd/system"));
        Directory.CreateDirectory(Path.Combine(root, "lib/systemd"));
        Assert.Equal(0, (await RunAsync("cp", "-a", "/lib/systemd/system", Path.Combine(root, "lib/systemd/"))).Exit);
        File.Copy(AegBinary.Command[0] == "dotnet" ? "/bin/true" : AegBinary.Command[0], Path.Combine(root, "usr/bin/aeg"));
        File.Copy(unit, Path.Combine(root, "etc/systemd/system/aeg.service"));

        var verify = await RunAsync("systemd-analyze", "verify", "--man=no", $"--root={root}", "aeg.service");
        var security = await RunAsync("systemd-analyze", "security", "--offline=yes", unit);

        Assert.True(verify.Exit == 0 && verify.Stderr.Trim() == "", $"systemd-analyze verify: exit {verify.Exit}\n{verify.Stdout}{verify.Stderr}");
        var exposure = Regex.Match(security.Stdout, @"Overall exposure level for aeg\.service: ([0-9.]+)");
        Assert.True(exposure.Success, security.Stdout + security.Stderr);
        Assert.InRange(double.Parse(exposure.Groups[1].Value, CultureInfo.InvariantCulture), 0.0, 2.0);
    }

    // AEG_TEST_DEB names a package built earlier; else build one from the native aeg under test.
    private async Task<string> BuildAsync()
    {
        if (Environment.GetEnvironmentVariable("AEG_TEST_DEB") is { Length: > 0 } prebuilt)
        {
            return prebuilt;
        }
        var env = new Dictionary<string, string>();
        if (AegBinary.Command is [var native])
        {
            env["AEG_PACKAGE_BINARY"] = native;
        }
        var build = await RunAsync(env, TestServices.RepoFile("scripts/package/build-deb.sh"), Path.Combine(_dir, "out"));
        Assert.True(build.Exit == 0, $"build-deb.sh: exit {build.Exit}\n{build.Stdout}{build.Stderr}");
        return Assert.Single(Directory.GetFiles(Path.Combine(_dir, "out"), "aeg_*_amd64.deb"));
    }

    // The libraries the binary links (libc, libm, libz and the loader) at the same paths in the root.
    private static async Task CopyLibrariesAsync(string root)
    {
        var ldd = await RunAsync("ldd", Path.Combine(root, "usr/bin/aeg"));
        foreach (Match m in Regex.Matches(ldd.Stdout, @"(/\S+)"))
        {
            var target = Path.Combine(root, m.Value.TrimStart('/'));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(m.Value, target, overwrite: true);
        }
    }

    private static bool IsElf(string file)
    {
        if (new FileInfo(file).LinkTarget is not null)
        {
            return false;
        }
        using var stream = File.OpenRead(file);
        Span<byte> magic = stackalloc byte[4];
        return stream.Read(magic) == 4 && magic.SequenceEqual("\u007fELF"u8);
    }

    private static Task<(int Exit, string Stdout, string Stderr)> RunAsync(string file, params string[] args) =>
        RunAsync(new Dictionary<string, string>(), file, args);

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(Dictionary<string, string> env, string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var (k, v) in env)
        {
            psi.Environment[k] = v;
        }
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await p.WaitForExitAsync(timeout.Token);
        return (p.ExitCode, await stdout, await stderr);
    }
}
