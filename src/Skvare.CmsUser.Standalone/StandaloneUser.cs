namespace Skvare.CmsUser.Standalone;

/// <summary>A Standalone user as the provider reads it; <paramref name="WhenCreated"/> is <c>when_created</c> as API v4 answers it (site wall-clock time).</summary>
internal sealed record StandaloneUser(long Id, string? Username, string? Email, long? ContactId, bool IsActive, IReadOnlyList<string> Roles, string? WhenCreated = null);
