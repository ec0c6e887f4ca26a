using Skvare.CmsUser.Retry;

namespace Skvare.CmsUser.Engine;

/// <summary>
/// A permanent defect of a contact's data that fails it before the CMS is asked (<see cref="ContactPipeline.DefectOf"/>):
/// its error code and message, and whether the contact gives up at once (an email that cannot be used) or spends an
/// attempt like any permanent failure (data that cannot be read).
/// </summary>
/// <param name="Code">The error code (<see cref="CmsUserErrorCodes.NoEmail"/>, <see cref="CmsUserErrorCodes.EmailOnHold"/>, <see cref="CmsUserErrorCodes.InvalidEmail"/> or <see cref="CmsUserErrorCodes.InvalidContactData"/>).</param>
/// <param name="Message">The message, as the failure's record says it.</param>
/// <param name="GiveUpNow">Whether the contact gives up at the first failure.</param>
internal sealed record ContactDefect(string Code, string Message, bool GiveUpNow)
{
    /// <summary>The contact's failure for this defect, as <paramref name="policy"/> decides it (attempt, outcome, audit).</summary>
    public ContactResult FailureOf(ContactResult start, AttemptPolicy policy) =>
        start.Fail(policy, FailureKind.Permanent, Code, Message, GiveUpNow);
}
