// Package policy decides who may do what: model and endpoint access, and management permissions by role.
package policy
