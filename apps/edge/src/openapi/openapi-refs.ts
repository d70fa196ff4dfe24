import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiResponse, ApiSecurity } from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE } from '../problem/problem.js';

export function ref(name: string): { $ref: string } {
  return { $ref: `#/components/schemas/${name}` };
}

/** Documents the problem+json answers a route can give. */
export function Problems(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({ status, description: 'problem', content: { [PROBLEM_CONTENT_TYPE]: { schema: ref('Problem') } } }),
    ),
  );
}

/** A route that reads a token when there is one (OptionalAuthGuard): anonymous, or bearer. */
export function ApiOptionalAuth(): MethodDecorator & ClassDecorator {
  return applyDecorators(ApiBearerAuth(), ApiSecurity({}));
}
