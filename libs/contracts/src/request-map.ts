// One map from request subject to its request and reply types: the mesh client is typed by it.
import type { Subjects } from './subjects.js';
import type {
  AuthReply,
  GetUserRequest,
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
  ListPostsRequest,
  PostPage,
  PostRecord,
} from './posts/posts.schemas.js';

type S = typeof Subjects;

export type RequestMap =
  Record<S['identity']['signup'], { request: SignupRequest; reply: AuthReply }> &
  Record<S['identity']['login'], { request: LoginRequest; reply: AuthReply }> &
  Record<S['identity']['getUser'], { request: GetUserRequest; reply: UserDto }> &
  Record<S['identity']['lookupUser'], { request: LookupUserRequest; reply: UserDto }> &
  Record<S['posts']['create'], { request: CreatePostRequest; reply: PostRecord }> &
  Record<S['posts']['get'], { request: GetPostRequest; reply: PostRecord }> &
  Record<S['posts']['list'], { request: ListPostsRequest; reply: PostPage }> &
  Record<S['posts']['delete'], { request: DeletePostRequest; reply: DeletePostReply }>;

export type RequestSubject = keyof RequestMap;
export type RequestOf<K extends RequestSubject> = RequestMap[K]['request'];
export type ReplyOf<K extends RequestSubject> = RequestMap[K]['reply'];
