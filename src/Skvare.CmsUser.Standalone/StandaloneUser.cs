namespace Skvare.CmsUser.Standalone;

/// <summary>A Standalone user as the provider reads it.</summary>
internal sealed record StandaloneUser(long Id, string? Username, string? Email, long? ContactId, bool IsActive, IReadOnlyList<string> Roles);
