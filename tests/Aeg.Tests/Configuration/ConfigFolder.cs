using Aeg.Configuration;
using Aeg.Daemon;

namespace Aeg.Tests.Configuration;

/// <summary>A temporary folder for config tests: writes an aeg.yaml beside a copy of the repo's cef-mappings.yaml and reports its problems.</summary>
public sealed class ConfigFolder : IDisposable
{
    public ConfigFolder(string prefix = "aeg-config-") => Dir = Directory.CreateTempSubdirectory(prefix).FullName;

    /// <summary>The folder, which relative paths in the written config resolve against.</summary>
    public string Dir { get; }

    public string File(string name) => Path.Combine(Dir, name);

    /// <summary>Writes <paramref name="yaml"/> as it is and returns the file's path.</summary>
    public string Write(string yaml, string name = "aeg.yaml")
    {
        var path = File(name);
        System.IO.File.WriteAllText(path, yaml);
        return path;
    }

    /// <summary>Writes <paramref name="yaml"/> after a <c>mappings:</c> line naming a copy of the repo's mappings, so only the tested keys can be wrong.</summary>
    public string WithMappings(string yaml = "")
    {
        System.IO.File.Copy(Path.Combine(TestServices.RepoRoot, "cef-mappings.yaml"), File("cef-mappings.yaml"), overwrite: true);
        return Write("mappings: cef-mappings.yaml\n" + yaml);
    }

    /// <summary>Loads <see cref="WithMappings"/> of <paramref name="yaml"/>.</summary>
    public AegOptions Load(string yaml) => AegConfig.Load(WithMappings(yaml));

    /// <summary>The problems that loading <see cref="WithMappings"/> of <paramref name="yaml"/> reports (it must fail).</summary>
    public List<ConfigProblem> Problems(string yaml) => Assert.Throws<ConfigException>(() => Load(yaml)).Problems.ToList();

    /// <summary>Asserts that every one of <paramref name="keys"/> has a problem (other keys may have some too).</summary>
    public static void AssertKeys(IEnumerable<ConfigProblem> problems, params string[] keys) =>
        Assert.Subset(problems.Select(p => p.Key).ToHashSet(StringComparer.Ordinal), keys.ToHashSet(StringComparer.Ordinal));

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}
