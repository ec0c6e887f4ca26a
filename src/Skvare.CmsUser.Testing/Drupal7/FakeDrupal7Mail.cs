namespace Skvare.CmsUser.Testing.Drupal7;

/// <summary>An email <see cref="FakeDrupal7Server"/> "sent" through <c>_user_mail_notify</c>.</summary>
/// <param name="Uid">The account it was about.</param>
/// <param name="To">The recipient.</param>
/// <param name="Operation">The core template, e.g. <c>register_admin_created</c> or <c>password_reset</c>.</param>
public sealed record FakeDrupal7Mail(long Uid, string To, string Operation);
