namespace Aeg.Esm;

/// <summary>What kind of failure an ESM Service Layer call met.</summary>
public enum EsmFailure
{
    /// <summary>Connection errors, timeouts, 429 and 5xx after the retries ran out: trying again later may succeed.</summary>
    Unavailable,
    /// <summary>The login was refused, or a fresh token was refused again.</summary>
    Authentication,
    /// <summary>ESM names an unknown id (its 500 page with <c>…NotFoundException</c> or <c>InvalidResourceIDException</c>).</summary>
    NotFound,
    /// <summary>Another 4xx, or an answer Aeg cannot read: the request or the config is wrong; retrying the same call will not help.</summary>
    Rejected,
}

/// <summary>An ESM Service Layer call failed; the message names the service and operation, never a password, token or URL query.</summary>
public sealed class EsmException(string message, EsmFailure failure, int? statusCode = null, int attempts = 1) : Exception(message)
{
    public EsmFailure Failure { get; } = failure;

    /// <summary>True when a later try may succeed (<see cref="EsmFailure.Unavailable"/>).</summary>
    public bool Transient => Failure == EsmFailure.Unavailable;

    /// <summary>The HTTP status of the last answer, if any.</summary>
    public int? StatusCode { get; } = statusCode;

    /// <summary>HTTP attempts made for the call.</summary>
    public int Attempts { get; } = attempts;
}
