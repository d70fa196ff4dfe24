// One map from request subject to its request and reply types: the mesh client is typed by it.
import type { Subjects } from './subjects.js';
import type {
  AuthReply,
  ChangePasswordRequest,
  GetUserRequest,
  LogoutReply,
  LogoutRequest,
  RefreshRequest,
  LoginRequest,
  LookupUserRequest,
  SignupRequest,
  UserDto,
} from './identity/identity.schemas.js';
import type {
  CreatePostRequest,
  DeletePostReply,
  DeletePostRequest,
  GetPostRequest,
  GetPostsRequest,
  ListPostsRequest,
  PostList,
  PostPage,
  PostRecord,
  ScanPostsReply,
  ScanPostsRequest,
} from './posts/posts.schemas.js';
import type {
  CommentCountsReply,
  CommentPage,
  CommentRecord,
  CountCommentsRequest,
  CreateCommentRequest,
  DeleteCommentReply,
  DeleteCommentRequest,
  ListCommentsRequest,
} from './comments/comments.schemas.js';
import type {
  LikePage,
  LikeReply,
  LikeRequest,
  LikeSummaryReply,
  LikeSummaryRequest,
  ListLikesRequest,
  UnlikeRequest,
} from './likes/likes.schemas.js';
import type {
  GetMediaRequest,
  Media,
  RegisterMediaRequest,
  ResolveMediaReply,
  ResolveMediaRequest,
  StoredMedia,
} from './media/media.schemas.js';
import type {
  ConversationList,
  ConversationRequest,
  ConversationsRequest,
  Message,
  MessagePage,
  SendMessageRequest,
} from './messaging/messaging.schemas.js';
import type {
  EdgesReply,
  EdgesRequest,
  FolloweeIdsReply,
  FolloweeIdsRequest,
  FollowPage,
  FollowReply,
  FollowRequest,
  ListFollowsRequest,
  RelationshipsReply,
  RelationshipsRequest,
  UnfollowRequest,
} from './graph/graph.schemas.js';
import type { HomeFeedPage, HomeFeedRequest, RebuildFeedsReply, RebuildFeedsRequest } from './feed/feed.schemas.js';
import type {
  ListNotificationsRequest,
  MarkReadRequest,
  NotificationPage,
  UnreadCountReply,
  UnreadCountRequest,
} from './notifications/notifications.schemas.js';

type S = typeof Subjects;

export type RequestMap = Record<S['identity']['signup'], { request: SignupRequest; reply: AuthReply }> &
  Record<S['identity']['login'], { request: LoginRequest; reply: AuthReply }> &
  Record<S['identity']['refresh'], { request: RefreshRequest; reply: AuthReply }> &
  Record<S['identity']['logout'], { request: LogoutRequest; reply: LogoutReply }> &
  Record<S['identity']['changePassword'], { request: ChangePasswordRequest; reply: LogoutReply }> &
  Record<S['identity']['getUser'], { request: GetUserRequest; reply: UserDto }> &
  Record<S['identity']['lookupUser'], { request: LookupUserRequest; reply: UserDto }> &
  Record<S['posts']['create'], { request: CreatePostRequest; reply: PostRecord }> &
  Record<S['posts']['get'], { request: GetPostRequest; reply: PostRecord }> &
  Record<S['posts']['getMany'], { request: GetPostsRequest; reply: PostList }> &
  Record<S['posts']['list'], { request: ListPostsRequest; reply: PostPage }> &
  Record<S['posts']['scan'], { request: ScanPostsRequest; reply: ScanPostsReply }> &
  Record<S['posts']['delete'], { request: DeletePostRequest; reply: DeletePostReply }> &
  Record<S['comments']['create'], { request: CreateCommentRequest; reply: CommentRecord }> &
  Record<S['comments']['list'], { request: ListCommentsRequest; reply: CommentPage }> &
  Record<S['comments']['delete'], { request: DeleteCommentRequest; reply: DeleteCommentReply }> &
  Record<S['comments']['count'], { request: CountCommentsRequest; reply: CommentCountsReply }> &
  Record<S['likes']['like'], { request: LikeRequest; reply: LikeReply }> &
  Record<S['likes']['unlike'], { request: UnlikeRequest; reply: LikeReply }> &
  Record<S['likes']['list'], { request: ListLikesRequest; reply: LikePage }> &
  Record<S['likes']['summary'], { request: LikeSummaryRequest; reply: LikeSummaryReply }> &
  Record<S['media']['register'], { request: RegisterMediaRequest; reply: Media }> &
  Record<S['media']['get'], { request: GetMediaRequest; reply: StoredMedia }> &
  Record<S['media']['resolve'], { request: ResolveMediaRequest; reply: ResolveMediaReply }> &
  Record<S['messaging']['send'], { request: SendMessageRequest; reply: Message }> &
  Record<S['messaging']['conversation'], { request: ConversationRequest; reply: MessagePage }> &
  Record<S['messaging']['conversations'], { request: ConversationsRequest; reply: ConversationList }> &
  Record<S['graph']['follow'], { request: FollowRequest; reply: FollowReply }> &
  Record<S['graph']['unfollow'], { request: UnfollowRequest; reply: FollowReply }> &
  Record<S['graph']['followers'], { request: ListFollowsRequest; reply: FollowPage }> &
  Record<S['graph']['following'], { request: ListFollowsRequest; reply: FollowPage }> &
  Record<S['graph']['relationships'], { request: RelationshipsRequest; reply: RelationshipsReply }> &
  Record<S['graph']['followeeIds'], { request: FolloweeIdsRequest; reply: FolloweeIdsReply }> &
  Record<S['graph']['edges'], { request: EdgesRequest; reply: EdgesReply }> &
  Record<S['feed']['home'], { request: HomeFeedRequest; reply: HomeFeedPage }> &
  Record<S['feed']['rebuild'], { request: RebuildFeedsRequest; reply: RebuildFeedsReply }> &
  Record<S['notifications']['list'], { request: ListNotificationsRequest; reply: NotificationPage }> &
  Record<S['notifications']['unreadCount'], { request: UnreadCountRequest; reply: UnreadCountReply }> &
  Record<S['notifications']['markRead'], { request: MarkReadRequest; reply: UnreadCountReply }>;

export type RequestSubject = keyof RequestMap;
export type RequestOf<K extends RequestSubject> = RequestMap[K]['request'];
export type ReplyOf<K extends RequestSubject> = RequestMap[K]['reply'];
