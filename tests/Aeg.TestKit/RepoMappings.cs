using Aeg.Annotations;

namespace Aeg.TestKit;

/// <summary>The repository's cef-mappings.yaml, the mappings Aeg ships; loaded anew per call, so no test sees another's changes.</summary>
internal static class RepoMappings
{
    public static CefMappings Load() => CefMappingsFile.Load(TestServices.RepoFile("cef-mappings.yaml"));
}
