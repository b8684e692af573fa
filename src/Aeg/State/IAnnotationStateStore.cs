namespace Aeg.State;

/// <summary>
/// Where the poller keeps its cursor, look-back keys and version memory: a local state directory
/// (<see cref="AnnotationStateFile"/>) or, for active/standby instances, a table shared by all of them.
/// </summary>
public interface IAnnotationStateStore : IDisposable
{
    /// <summary>Where the state lives, safe to log.</summary>
    string Description { get; }

    /// <summary>
    /// Keeps any other poller off this state until disposed; throws <see cref="StateFileException"/>
    /// when another one has it. The store that owns the state decides how (a lock file, a lease).
    /// </summary>
    void Acquire();

    /// <summary>The saved state, or null on first start.</summary>
    AnnotationState? Load();

    /// <summary>Durably replaces the state; the cursor has moved only once this returns.</summary>
    void Save(AnnotationState state);

    /// <summary>Last version seen per event id (advisory: empty when missing or unreadable).</summary>
    List<KeyValuePair<long, long>> LoadVersions();

    /// <summary>Replaces the version memory with <paramref name="versions"/> (a snapshot).</summary>
    void SaveVersions(IEnumerable<KeyValuePair<long, long>> versions);

    /// <summary>
    /// Records the versions of a batch about to be committed, before its cursor is saved, so that a
    /// crash forgets none; the next <see cref="SaveVersions"/> supersedes them. A store that cannot
    /// do this cheaply keeps only its snapshots (a crash may then over-report a gap).
    /// </summary>
    void AppendVersions(IReadOnlyCollection<KeyValuePair<long, long>> versions)
    {
    }
}
