namespace Skvare.CmsUser.Engine;

/// <summary>
/// A page's write-back that ended with some of its contacts not written (after a lost answer, what CiviCRM kept was read
/// back and the missing parts could not be written again): carries every contact's final result, the written ones as
/// they are and the others failed, so the run reports each contact's truth and then stops as after any failed write.
/// </summary>
internal sealed class PageNotWrittenException : CmsUserException
{
    public PageNotWrittenException()
    {
    }

    public PageNotWrittenException(string message)
        : base(message)
    {
    }

    public PageNotWrittenException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public PageNotWrittenException(string message, IReadOnlyList<ContactResult> results, Exception? innerException)
        : base(message, innerException)
    {
        Results = results;
    }

    /// <summary>Each contact's final result, in the page's order.</summary>
    public IReadOnlyList<ContactResult> Results { get; } = [];

    /// <inheritdoc />
    public override FailureKind Kind => FailureKind.Transient;
}
